using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>The configured endpoints as outbox targets: names only (URLs and secrets stay in configuration).</summary>
internal sealed class WebhookTargets(IOptions<WebhookOptions> options)
{
    public IReadOnlyList<WebhookTarget> All { get; } = options.Value.Endpoints.Select(e => new WebhookTarget(e.Identity)).ToArray();
}
