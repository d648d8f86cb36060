namespace KetamineOutcomes.Api.Audit;

/// <summary>
/// The body of a streamed answer (too large to hold until its audit row is durable): the first write or flush appends
/// the audit row with the status then set — final by then — and passes nothing on until that row is committed. If the
/// row cannot be written, the write throws before any byte or header has left, so the exception handler can still
/// answer 503 (SPEC v2 Security, continued: no data leaves without a durable record of who read it).
/// </summary>
internal sealed class AuditBeforeFirstByteStream(Stream inner, Func<int> status, Func<int, Task> appendAuditRow) : Stream
{
    private Task? _recording;

    /// <summary>The status the row written before the first byte recorded, or null if nothing was written.</summary>
    public int? Recorded { get; private set; }

    private async ValueTask RecordOnceAsync()
    {
        var answered = status();
        // Once: a failed row fails every later write the same way (a writer flushing on dispose, say).
        _recording ??= appendAuditRow(answered);
        await _recording.ConfigureAwait(false);
        Recorded = answered;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Recorded is null) await RecordOnceAsync().ConfigureAwait(false);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        // A flush sends the headers: the row comes first even before any body byte.
        if (Recorded is null) await RecordOnceAsync().ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes are not allowed.");
    public override void Flush() => throw new NotSupportedException("Synchronous writes are not allowed.");
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
