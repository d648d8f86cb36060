using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KetamineOutcomes.Api.Fhir;

namespace KetamineOutcomes.Api.Idempotency;

/// <summary>
/// A SHA-256 of a parsed JSON document that whitespace, the order of an object's properties and how a string is escaped
/// do not change (<c>"A"</c> and <c>"\u0041"</c> are one string); array order and every value do. Numbers count as
/// written (<c>2</c> and <c>2.0</c> differ): a retry sends the same text, and a number written otherwise is refused as
/// another body (422), never replayed as one it may not be. This is what "the same body" means for the Idempotency-Key
/// of a FHIR create (README, Idempotency), read from the JsonDocument the raw-JSON checks already hold rather than from a
/// second serialisation of the parsed resource (issue 24).
/// </summary>
/// <remarks>
/// Every token is written with a tag and its length, so no two different documents give the same token stream (an
/// unescaped string cannot pass for structure); the stream is hashed in one call.
/// </remarks>
internal static class CanonicalJsonHash
{
    /// <summary>The 32-byte SHA-256 of <paramref name="root"/>'s canonical token stream.</summary>
    /// <exception cref="InvalidOperationException">A string or property name that is not well-formed text (the raw-JSON checks refuse those first).</exception>
    public static byte[] Hash(JsonElement root)
    {
        using var tokens = new PooledBufferWriter(4 * 1024);
        Feed(tokens, root);
        return SHA256.HashData(tokens.WrittenMemory.Span);
    }

    private static void Feed(PooledBufferWriter tokens, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                FeedObject(tokens, element);
                break;
            case JsonValueKind.Array:
                Tag(tokens, (byte)'A', element.GetArrayLength());
                foreach (var item in element.EnumerateArray()) Feed(tokens, item);
                break;
            case JsonValueKind.String:
                // Without escapes the raw text is the string's UTF-8; with them it is decoded, so both spellings hash alike.
                var raw = JsonMarshal.GetRawUtf8Value(element)[1..^1];
                if (raw.IndexOf((byte)'\\') < 0) Append(tokens, (byte)'S', raw);
                else Append(tokens, (byte)'S', Encoding.UTF8.GetBytes(element.GetString()!));
                break;
            case JsonValueKind.Number:
                Append(tokens, (byte)'N', JsonMarshal.GetRawUtf8Value(element));
                break;
            default: // true, false, null
                Tag(tokens, (byte)element.ValueKind, 0);
                break;
        }
    }

    private static void FeedObject(PooledBufferWriter tokens, JsonElement element)
    {
        var count = 0;
        foreach (var _ in element.EnumerateObject()) count++;
        Tag(tokens, (byte)'O', count);
        var properties = ArrayPool<(JsonProperty Property, int Index)>.Shared.Rent(count);
        try
        {
            var i = 0;
            var escaped = false;
            foreach (var property in element.EnumerateObject())
            {
                properties[i] = (property, i);
                i++;
                escaped |= JsonMarshal.GetRawUtf8PropertyName(property).IndexOf((byte)'\\') >= 0;
            }
            // By name (ordinal over UTF-8), then as sent: a duplicated name (refused before a hash is taken) still sorts one way.
            // A FHIR object has a handful of elements: insertion sort there, no call per comparison.
            var order = escaped ? PropertyOrder.Decoded : PropertyOrder.Raw;
            if (count > 16) Array.Sort(properties, 0, count, order);
            else
            {
                for (var j = 1; j < count; j++)
                {
                    var x = properties[j];
                    var k = j - 1;
                    for (; k >= 0 && order.Compare(properties[k], x) > 0; k--) properties[k + 1] = properties[k];
                    properties[k + 1] = x;
                }
            }
            for (i = 0; i < count; i++)
            {
                var property = properties[i].Property;
                var name = JsonMarshal.GetRawUtf8PropertyName(property);
                if (name.IndexOf((byte)'\\') < 0) Append(tokens, (byte)'K', name);
                else Append(tokens, (byte)'K', Encoding.UTF8.GetBytes(property.Name));
                Feed(tokens, property.Value);
            }
        }
        finally
        {
            ArrayPool<(JsonProperty, int)>.Shared.Return(properties, clearArray: true);
        }
    }

    private static void Append(PooledBufferWriter tokens, byte tag, ReadOnlySpan<byte> bytes)
    {
        Tag(tokens, tag, bytes.Length);
        bytes.CopyTo(tokens.GetSpan(bytes.Length));
        tokens.Advance(bytes.Length);
    }

    private static void Tag(PooledBufferWriter tokens, byte tag, int length)
    {
        var header = tokens.GetSpan(5);
        header[0] = tag;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], length);
        tokens.Advance(5);
    }

    private sealed class PropertyOrder(bool decode) : IComparer<(JsonProperty Property, int Index)>
    {
        public static readonly PropertyOrder Raw = new(false);
        public static readonly PropertyOrder Decoded = new(true);

        public int Compare((JsonProperty Property, int Index) x, (JsonProperty Property, int Index) y)
        {
            var byName = decode
                ? Encoding.UTF8.GetBytes(x.Property.Name).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y.Property.Name))
                : JsonMarshal.GetRawUtf8PropertyName(x.Property).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(y.Property));
            return byName != 0 ? byName : x.Index.CompareTo(y.Index);
        }
    }
}
