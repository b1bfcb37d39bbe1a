using PeerVault.Client;

namespace PeerVault.Tests.Client;

[Trait("Category", "Unit")]
public sealed class PeerVaultConnectionStringTests
{
    [Fact]
    public void Endpoints_and_key_parse_with_any_case_and_quoting_and_the_key_is_masked_when_printed()
    {
        var parsed = PeerVaultConnectionString.Parse("endpoints=http://localhost:5001, http://node2:8080/;KEY='a;b=c'");

        Assert.Equal([new Uri("http://localhost:5001"), new Uri("http://node2:8080/")], parsed.Endpoints);
        Assert.Equal("a;b=c", parsed.ApiKey);
        Assert.Equal("Endpoints=http://localhost:5001,http://node2:8080;Key=***", parsed.ToString());
    }

    [Fact]
    public void A_bare_url_list_is_endpoints_without_a_key()
    {
        var parsed = PeerVaultConnectionString.Parse("http://a:1,https://b:2");

        Assert.Equal(2, parsed.Endpoints.Count);
        Assert.Null(parsed.ApiKey);
    }

    [Theory]
    [InlineData("Key=abc", "names no endpoint")]
    [InlineData("Endpoints=ftp://a:1;Key=abc", "not an http:// or https:// URL")]
    [InlineData("Endpoints=http://a:1;Password=abc", "has no 'password'")]
    [InlineData("Endpoints='http://a:1", "Not a PeerVault connection string")]
    public void A_malformed_connection_string_says_what_is_wrong(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => PeerVaultConnectionString.Parse(text));

        Assert.Contains(message, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("0-1023", 0L, 1023L)]
    [InlineData("1024-", 1024L, null)]
    [InlineData("-500", null, 500L)]
    public void Ranges_parse_as_the_cli_writes_them(string text, long? first, long? last)
    {
        Assert.True(ObjectRange.TryParse(text, out var range));
        Assert.Equal((first, last), (range.First, range.LastByte));
        Assert.Equal(text, range.ToString());
    }

    [Theory]
    [InlineData("ten-twenty")]
    [InlineData("5-1")]
    [InlineData("-0")]
    [InlineData("12")]
    public void A_range_that_is_not_one_does_not_parse(string text) => Assert.False(ObjectRange.TryParse(text, out _));
}
