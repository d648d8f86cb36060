using KetamineOutcomes.Core.Notifications;

namespace KetamineOutcomes.Core.Tests.Notifications;

public class ReceiverUrlTests
{
    [Theory]
    [InlineData("http://user:tok@127.0.0.1:5000/hook?token=abc#frag", "http://127.0.0.1:5000/hook")]
    [InlineData("https://Ehr.Example.org:443/a%20b/c?x=1", "https://ehr.example.org/a%20b/c")]
    [InlineData("https://h?x=1", "https://h/")]
    [InlineData("https://h:8443/p/../q", "https://h:8443/q")]
    [InlineData("https://ehr.example.org/ketamine-alerts", "https://ehr.example.org/ketamine-alerts")]
    public void Redacted_url_keeps_scheme_host_port_and_path_and_drops_user_info_query_and_fragment(string url, string expected) =>
        Assert.Equal(expected, ReceiverUrl.Redact(new Uri(url)));

    [Theory]
    [InlineData("https://u:p@h/hook", true)]
    [InlineData("https://h/hook?token=x", true)]
    [InlineData("https://h/hook#x", true)]
    [InlineData("https://h/hook", false)]
    [InlineData("ehr-inbox", false)]
    [InlineData(null, false)]
    public void A_text_carries_secrets_when_it_is_a_url_with_user_info_query_or_fragment(string? text, bool expected) =>
        Assert.Equal(expected, ReceiverUrl.CarriesSecrets(text));

    [Fact]
    public void A_relative_url_is_refused() =>
        Assert.Throws<ArgumentException>(() => ReceiverUrl.Redact(new Uri("/hook", UriKind.Relative)));
}
