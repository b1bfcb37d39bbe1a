using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Playwright;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Dashboard;

/// <summary>
/// The real AppHost with its dashboard on, after the demo has run, and Debian's Chromium driven by
/// Playwright (it cannot download browsers here). Without Chromium the browser tests are skipped
/// with the command that installs it, except under CI=true, where a missing browser is a failure.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly AppHostScope _scope = new();
    private IPlaywright? _playwright;

    public DistributedApplication App { get; private set; } = null!;

    public IBrowser? Browser { get; private set; }

    public Uri BaseUrl => App.Dashboard!.BaseUrl;

    public Uri LoginUrl => App.Dashboard!.LoginUrl;

    public static string ScreenshotDirectory => Path.Combine(SolutionPaths.Root, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        App = await AppHostRunner.StartAsync(_scope, dashboard: true);
        await AppHostRunner.WaitForNodesAsync(App);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var demo = await App.ResourceNotifications.WaitForResourceAsync("demo", s => KnownResourceStates.IsTerminal(s.State), timeout.Token);
        Assert.Equal(0, demo.ExitCode);

        if (!File.Exists(ChromiumPath))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"CI=true but {ChromiumPath} is missing; .ci/run installs it with apt-get install -y chromium.");
            }

            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A logged-in page at 1280x800 (or the given size); skips the test when there is no browser.</summary>
    public async Task<IPage> LoggedInPageAsync(int width = 1280, int height = 800)
    {
        if (Browser is null)
        {
            Assert.Skip($"Chromium is not installed at {ChromiumPath}; install it with: sudo apt-get install -y chromium");
        }

        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(LoginUrl.ToString());
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name)
        => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
        _scope.Dispose();
    }
}
