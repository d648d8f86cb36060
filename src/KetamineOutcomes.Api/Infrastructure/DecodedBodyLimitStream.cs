namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The request body as the application reads it (chunk framing already removed), refusing it once more than
/// <c>limit</c> bytes have been read: the read that passes the limit throws a 413 <see cref="BadHttpRequestException"/>
/// and <see cref="Exceeded"/> stays true, so the middleware can answer 413 even when a reader swallows the exception
/// (a minimal API's body binding catches it, sets its status code and writes no body).
/// </summary>
internal sealed class DecodedBodyLimitStream(Stream inner, long limit) : Stream
{
    private long _read;

    /// <summary>True once the body has been found to hold more than the limit.</summary>
    public bool Exceeded { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int read)
    {
        if (Exceeded) throw TooLarge();
        _read += read;
        if (_read > limit)
        {
            Exceeded = true;
            throw TooLarge();
        }
        return read;
    }

    private static BadHttpRequestException TooLarge() => new("The request body exceeds the size limit.", StatusCodes.Status413PayloadTooLarge);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
