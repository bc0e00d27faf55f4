using System.Runtime.CompilerServices;

namespace LossLab.Losses.Mining;

/// <summary>
/// The batch sorted by label, over managed memory: in sorted order a class is one contiguous block, so a row's
/// same-class samples are <c>Order[Start[i] .. Start[i] + Count[i]]</c> (in increasing row order) and a uniform draw
/// within or outside its class is one index computation. Spans point into a per-thread <see cref="MiningWorkspace"/>.
/// </summary>
internal readonly ref struct ClassLayout
{
    /// <summary>Rows sorted by (label, row).</summary>
    public readonly Span<int> Order;

    /// <summary>Per row, the start of its class block in <see cref="Order"/>.</summary>
    public readonly Span<int> Start;

    /// <summary>Per row, the size of its class.</summary>
    public readonly Span<int> Count;

    /// <summary>Per row, its position in <see cref="Order"/>.</summary>
    public readonly Span<int> Rank;

    private ClassLayout(Span<int> order, Span<int> start, Span<int> count, Span<int> rank)
    {
        Order = order;
        Start = start;
        Count = count;
        Rank = rank;
    }

    /// <summary>Number of rows N.</summary>
    public int Length => Order.Length;

    /// <summary>The layout of <paramref name="labels"/>, in the workspace's arrays (valid until its next use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ClassLayout Of(ReadOnlySpan<long> labels, MiningWorkspace workspace)
    {
        var n = labels.Length;
        workspace.Ensure(n);
        var keys = workspace.Keys.AsSpan(0, n);
        var order = workspace.Order.AsSpan(0, n);
        labels.CopyTo(keys);
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        keys.Sort(order);
        var layout = new ClassLayout(order, workspace.Start.AsSpan(0, n), workspace.Count.AsSpan(0, n), workspace.Rank.AsSpan(0, n));
        for (var a = 0; a < n;)
        {
            var b = a + 1;
            while (b < n && keys[b] == keys[a])
            {
                b++;
            }

            // The sort is not stable: order each block by row so that the layout depends on the labels only.
            order[a..b].Sort();
            for (var s = a; s < b; s++)
            {
                var row = order[s];
                layout.Start[row] = a;
                layout.Count[row] = b - a;
                layout.Rank[row] = s;
            }

            a = b;
        }

        return layout;
    }

    /// <summary>The rows of row <paramref name="i"/>'s class, itself included.</summary>
    public ReadOnlySpan<int> Class(int i) => Order.Slice(Start[i], Count[i]);

    /// <summary>A uniformly random other row of row <paramref name="i"/>'s class, or −1 when it is alone.</summary>
    public int RandomPositive(int i, ref SplitMix64 random)
    {
        var others = Count[i] - 1;
        if (others <= 0)
        {
            return -1;
        }

        // The k-th of the class block, stepping over the row itself.
        var position = Start[i] + random.Below(others);
        return Order[position >= Rank[i] ? position + 1 : position];
    }

    /// <summary>A uniformly random row of another class than row <paramref name="i"/>, or −1 when there is none.</summary>
    public int RandomOther(int i, ref SplitMix64 random)
    {
        var others = Length - Count[i];
        if (others <= 0)
        {
            return -1;
        }

        // The k-th row outside the class block.
        var k = random.Below(others);
        return Order[k < Start[i] ? k : k + Count[i]];
    }
}
