using System.Net;
using System.Net.Http.Headers;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A body sent with <c>Transfer-Encoding: chunked</c>, one chunk per <c>chunkSize</c> bytes: SocketsHttpHandler frames
/// each write of a content without a length as one chunk.
/// </summary>
internal sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _body;
    private readonly int _chunkSize;

    public ChunkedContent(byte[] body, int chunkSize, string mediaType)
    {
        _body = body;
        _chunkSize = chunkSize;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var at = 0; at < _body.Length; at += _chunkSize)
            await stream.WriteAsync(_body.AsMemory(at, Math.Min(_chunkSize, _body.Length - at)));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
