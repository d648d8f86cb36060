using System.Globalization;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// DbUp's progress (a line per script and step, a dozen per start) at Debug; its warnings and errors as they are.
/// The service logs one summary line instead (what was applied, where).
/// </summary>
internal sealed partial class QuietUpgradeLog(ILogger logger) : IUpgradeLog
{
    public void LogTrace(string format, params object[] args) => Progress(logger, new(format, args));
    public void LogDebug(string format, params object[] args) => Progress(logger, new(format, args));
    public void LogInformation(string format, params object[] args) => Progress(logger, new(format, args));
    public void LogWarning(string format, params object[] args) => Warning(logger, new(format, args));
    public void LogError(string format, params object[] args) => Error(logger, null, new(format, args));
    public void LogError(Exception ex, string format, params object[] args) => Error(logger, ex, new(format, args));

    /// <summary>DbUp's composite format, formatted only when the entry is written.</summary>
    internal readonly record struct Line(string Format, object[] Args)
    {
        public override string ToString() => Args.Length == 0 ? Format : string.Format(CultureInfo.InvariantCulture, Format, Args);
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Debug, Message = "Migrations: {Line}")]
    private static partial void Progress(ILogger logger, Line line);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Migrations: {Line}")]
    private static partial void Warning(ILogger logger, Line line);

    [LoggerMessage(EventId = 92, Level = LogLevel.Error, Message = "Migrations: {Line}")]
    private static partial void Error(ILogger logger, Exception? exception, Line line);
}
