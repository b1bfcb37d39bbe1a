using System.CommandLine;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault completion bash|zsh|pwsh</c>: prints a script that asks peervault itself for
/// completions through System.CommandLine's <c>[suggest]</c> directive, so no other tool is needed
/// (dotnet-suggest works too: the directive is what it calls).
/// </summary>
internal static class CompletionCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or pwsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "pwsh");
        var command = new Command("completion", "Print a shell completion script: eval \"$(peervault completion bash)\" in ~/.bashrc (zsh: ~/.zshrc; pwsh: add to $PROFILE)")
        {
            shell,
        };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(parse.GetRequiredValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Pwsh,
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private const string Bash = """
        # peervault completion (bash): eval "$(peervault completion bash)"
        _peervault_complete() {
            local IFS=$'\n'
            COMPREPLY=($(peervault "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
        }
        complete -o default -F _peervault_complete peervault

        """;

    private const string Zsh = """
        # peervault completion (zsh): eval "$(peervault completion zsh)"
        _peervault_complete() {
            local -a completions
            completions=("${(@f)$(peervault "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)}")
            compadd -a completions
        }
        compdef _peervault_complete peervault

        """;

    private const string Pwsh = """
        # peervault completion (PowerShell): peervault completion pwsh | Out-String | Invoke-Expression
        Register-ArgumentCompleter -Native -CommandName peervault -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            peervault "[suggest:$cursorPosition]" "$($commandAst.ToString())" 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
