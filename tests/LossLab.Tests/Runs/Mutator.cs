using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace LossLab.Tests.Runs;

/// <summary>Damages bytes and JSON the ways real files get damaged: flips, truncation, garbage, odd numbers, wrong values.</summary>
internal sealed class Mutator(int seed)
{
    private static readonly ulong[] Interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, ulong.MaxValue];
    private static readonly string[] Values =
        ["null", "true", "\"\"", "\"x\"", "-1", "0", "1.5", "1e308", "-1e308", "2147483648", "\"NaN\"", "\"-Infinity\"", "[]", "{}", "[null]", "{\"a\":1}"];

    private readonly Random random = new(seed);

    /// <summary>A random index below <paramref name="count"/>, from the mutator's own sequence.</summary>
    public int Next(int count) => random.Next(count);

    /// <summary>One mutation of binary content: byte flips (anywhere or near the start), truncation, garbage appended, or an odd 1/4/8-byte value.</summary>
    public byte[] Bytes(byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                for (var k = random.Next(1, 5); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                return [.. bytes, .. garbage];
            case 3:
                // Flips in the first 64 bytes, where magic, lengths and the state live.
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    bytes[random.Next(Math.Min(64, bytes.Length))] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            default:
                // A length, count or shape field read as something extreme.
                var width = new[] { 1, 4, 8 }[random.Next(3)];
                var at = random.Next(Math.Max(1, bytes.Length - width));
                var value = Interesting[random.Next(Interesting.Length)];
                Span<byte> buffer = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
                buffer[..Math.Min(width, bytes.Length - at)].CopyTo(bytes.AsSpan(at));
                return bytes;
        }
    }

    /// <summary>One mutation of JSON text: a value replaced by one of another type or range, a property removed, or the text damaged.</summary>
    public string Json(string original)
    {
        switch (random.Next(4))
        {
            case 0:
            case 1:
                var root = JsonNode.Parse(original)!;
                var slots = Slots(root).ToList();
                var (parent, key, index) = slots[random.Next(slots.Count)];
                var replacement = JsonNode.Parse(Values[random.Next(Values.Length)]);
                if (parent is JsonObject obj)
                {
                    obj[key!] = replacement;
                }
                else
                {
                    ((JsonArray)parent)[index] = replacement;
                }

                return root.ToJsonString();
            case 2:
                var tree = JsonNode.Parse(original)!;
                var objects = Slots(tree).Where(s => s.Parent is JsonObject).ToList();
                var (owner, name, _) = objects[random.Next(objects.Count)];
                ((JsonObject)owner).Remove(name!);
                return tree.ToJsonString();
            default:
                return Encoding.UTF8.GetString(Bytes(Encoding.UTF8.GetBytes(original)));
        }
    }

    private static IEnumerable<(JsonNode Parent, string? Key, int Index)> Slots(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                yield return (obj, key, -1);
                if (child is not null)
                {
                    foreach (var slot in Slots(child))
                    {
                        yield return slot;
                    }
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                yield return (array, null, i);
                if (array[i] is { } child)
                {
                    foreach (var slot in Slots(child))
                    {
                        yield return slot;
                    }
                }
            }
        }
    }
}
