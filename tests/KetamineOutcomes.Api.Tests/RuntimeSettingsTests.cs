using System.Text.Json;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Runtime settings the built service starts with (its runtimeconfig.json), chosen by measurement.</summary>
public class RuntimeSettingsTests
{
    [Fact]
    public void The_built_service_runs_its_thread_pool_without_spin_waiting_before_a_worker_blocks()
    {
        // Issue 24: spinning idle workers took CPU from the SQLite writer on a two-core machine (see the project file).
        var config = Path.ChangeExtension(BuiltService.Dll, ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
