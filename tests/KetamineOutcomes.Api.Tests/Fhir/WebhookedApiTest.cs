namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// A service with one webhook endpoint configured (a real receiver on 127.0.0.1), so every safety alert also writes
/// outbox and delivery rows a test can count: an alert that slipped through leaves a trace.
/// </summary>
public abstract class WebhookedApiTest : ApiTest
{
    private readonly WebhookReceiver _receiver;

    protected WebhookedApiTest() : this(new WebhookReceiver()) { }

    private WebhookedApiTest(WebhookReceiver receiver) : base(WebhookDeliveryTests.Settings(receiver.Url)) => _receiver = receiver;

    public override async Task InitializeAsync()
    {
        await _receiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
