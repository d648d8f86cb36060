using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class HealthTests : ApiTest
{
    [Fact]
    public async Task Live_and_ready_answer_200_on_a_migrated_store()
    {
        Assert.Equal("healthy", (string)(await GetOkAsync("/health/live"))["status"]!);
        Assert.Equal("healthy", (string)(await GetOkAsync("/health/ready"))["status"]!);
    }

    [Fact]
    public async Task Ready_answers_503_when_a_migration_is_missing()
    {
        await GetOkAsync("/health/ready");
        await using (var c = await App.OpenConnectionAsync())
        {
            await c.ExecuteAsync("DELETE FROM schema_versions");
        }
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", (string)body!["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/health/live")).Status);
    }
}
