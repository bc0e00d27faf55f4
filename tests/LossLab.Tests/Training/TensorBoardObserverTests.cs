using System.Buffers.Binary;
using System.Text;
using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class TensorBoardObserverTests
{
    [Fact]
    public void Should_WriteTensorBoardRecordsOfEveryMetric_When_EpochsFinish()
    {
        // Given an observer writing into a fresh folder, and two epochs of metrics
        using var dirFolder = new TempFolder("tensorboard");
        var dir = dirFolder.Path;
        var inner = new CountingObserver();
        var observer = new TensorBoardObserver(inner, dir);
        EpochMetrics[] epochs =
        [
            new() { Epoch = 1, TrainLoss = 1.25, Accuracy = 0.5, F1Macro = 0.45, Nmi = 0.4, RecallAt1 = 0.6, RecallAt8 = 0.9, KmeansNmi = 0.35, TrainImgPerS = 100 },
            new() { Epoch = 2, TrainLoss = 0.75, Accuracy = 0.7, F1Macro = 0.65, Nmi = 0.55, TrainImgPerS = 120 },
        ];

        // When both epochs finish
        foreach (var metrics in epochs)
        {
            observer.EpochFinished(metrics, 2);
        }

        // Then one event file holds valid TFRecords (checked lengths and masked CRC-32C) with every scalar at its epoch,
        // and the inner observer saw the epochs too
        var file = Assert.Single(Directory.GetFiles(dir, "events.out.tfevents.*"));
        var scalars = ReadScalars(File.ReadAllBytes(file));
        Assert.Equal(2, inner.Epochs);
        Assert.Contains(("train/loss", 1L, 1.25f), scalars);
        Assert.Contains(("train/loss", 2L, 0.75f), scalars);
        Assert.Contains(("test/f1_macro", 2L, 0.65f), scalars);
        Assert.Contains(("test/nmi", 1L, 0.4f), scalars);
        Assert.Contains(("test/recall_at_8", 1L, 0.9f), scalars);
        Assert.DoesNotContain(scalars, s => s.Tag == "test/recall_at_1" && s.Step == 2);
        Assert.Equal(TensorBoardObserver.Scalars(epochs[0], "test").Count + TensorBoardObserver.Scalars(epochs[1], "test").Count, scalars.Count);
    }

    [Fact]
    public void Should_WriteNoFile_When_NoEpochFinished()
    {
        // Given an observer that only sees the start of a run
        using var dirFolder = new TempFolder("tensorboard-empty");
        var dir = dirFolder.Path;
        var observer = new TensorBoardObserver(new CountingObserver(), dir, "val");

        // When an epoch starts and a batch finishes
        observer.EpochStarted(1, 1, 10);
        observer.BatchFinished(1, 1, 10, 2.0, 50);

        // Then no event file exists, and validation metrics would be tagged val/
        Assert.Empty(Directory.GetFiles(dir, "events.out.tfevents.*"));
        Assert.Contains(TensorBoardObserver.Scalars(new EpochMetrics { F1Macro = 0.5 }, "val"), s => s.Tag == "val/f1_macro");
    }

    /// <summary>Reads a TFRecord file of Event protos, returning (tag, step, simple_value) of each scalar.</summary>
    private static List<(string Tag, long Step, float Value)> ReadScalars(byte[] bytes)
    {
        var scalars = new List<(string, long, float)>();
        var position = 0;
        while (position < bytes.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(position, 8));
            Assert.Equal(MaskedCrc(bytes.AsSpan(position, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 8, 4)));
            var data = bytes.AsSpan(position + 12, length).ToArray();
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 12 + length, 4)));
            position += 12 + length + 4;

            long step = 0;
            var wallTime = double.NaN;
            var values = new List<(string, float)>();
            foreach (var (field, _, payload) in Fields(data))
            {
                if (field == 1)
                {
                    wallTime = BitConverter.Int64BitsToDouble((long)payload.Varint);
                }
                else if (field == 2)
                {
                    step = (long)payload.Varint;
                }
                else if (field == 5)
                {
                    foreach (var (_, _, value) in Fields(payload.Bytes!))
                    {
                        string? tag = null;
                        float simple = float.NaN;
                        foreach (var (f, _, p) in Fields(value.Bytes!))
                        {
                            if (f == 1)
                            {
                                tag = Encoding.UTF8.GetString(p.Bytes!);
                            }
                            else if (f == 2)
                            {
                                simple = BitConverter.Int32BitsToSingle((int)p.Varint);
                            }
                        }

                        values.Add((tag!, simple));
                    }
                }
            }

            if (values.Count > 0)
            {
                // TensorBoard reads wall_time as seconds since 1970.
                Assert.InRange(wallTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            }

            scalars.AddRange(values.Select(v => (v.Item1, step, v.Item2)));
        }

        return scalars;
    }

    private static IEnumerable<(int Field, int Wire, (ulong Varint, byte[]? Bytes) Payload)> Fields(byte[] message)
    {
        var i = 0;
        while (i < message.Length)
        {
            var key = ReadVarint(message, ref i);
            var wire = (int)(key & 7);
            var field = (int)(key >> 3);
            switch (wire)
            {
                case 0:
                    yield return (field, wire, (ReadVarint(message, ref i), null));
                    break;
                case 1:
                    yield return (field, wire, (BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(i, 8)), null));
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref i);
                    yield return (field, wire, (0, message.AsSpan(i, length).ToArray()));
                    i += length;
                    break;
                case 5:
                    yield return (field, wire, (BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(i, 4)), null));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type {wire}");
            }
        }
    }

    private static ulong ReadVarint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    /// <summary>TFRecord's masked CRC-32C (Castagnoli): rotate right by 15 and add 0xa282ead8.</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private sealed class CountingObserver : ITrainingObserver
    {
        public int Epochs { get; private set; }

        public void EpochStarted(int epoch, int epochs, int batches)
        {
        }

        public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond)
        {
        }

        public void EpochFinished(EpochMetrics metrics, int epochs) => Epochs++;

        public void Info(string message)
        {
        }
    }
}
