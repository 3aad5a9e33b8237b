namespace GFlowNetML.Environments;

/// <summary>
/// Transitive closures of DAGs over at most 30 nodes, in the two layouts the structure-learning environment uses:
/// flags (d·d integers, entry i·d + j = 1 when a path i → … → j of at least one edge exists) and bit rows
/// (row i holds bit j for every j reachable from i).
/// </summary>
internal static class DagClosure
{
    /// <summary>The children of each node as bit masks, from a flattened adjacency (entry i·d + j = 1: i → j).</summary>
    public static void ChildMasks(ReadOnlySpan<int> adjacency, int d, Span<int> children)
    {
        for (int i = 0; i < d; i++)
        {
            int mask = 0;
            for (int j = 0; j < d; j++) if (adjacency[i * d + j] != 0) mask |= 1 << j;
            children[i] = mask;
        }
    }

    /// <summary>The nodes reachable from <paramref name="node"/> by a path of at least one edge, as a bit mask
    /// (a search over the child masks; terminates on cyclic graphs too).</summary>
    public static int ReachableFrom(ReadOnlySpan<int> children, int node)
    {
        int visited = 0, frontier = children[node];
        while (frontier != 0)
        {
            int c = System.Numerics.BitOperations.TrailingZeroCount(frontier);
            frontier &= frontier - 1;
            if ((visited >> c & 1) != 0) continue;
            visited |= 1 << c;
            frontier |= children[c] & ~visited;
        }
        return visited;
    }

    /// <summary>The closure of a whole graph as bit rows.</summary>
    public static void Rows(ReadOnlySpan<int> children, Span<int> reach)
    {
        for (int i = 0; i < children.Length; i++) reach[i] = ReachableFrom(children, i);
    }

    /// <summary>Writes bit rows as d·d closure flags.</summary>
    public static void WriteFlags(ReadOnlySpan<int> reach, int d, Span<int> closure)
    {
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) closure[i * d + j] = reach[i] >> j & 1;
    }

    /// <summary>Computes the closure flags of a flattened adjacency from scratch.</summary>
    public static void FromAdjacency(ReadOnlySpan<int> adjacency, int d, Span<int> closure)
    {
        Span<int> children = stackalloc int[d];
        Span<int> reach = stackalloc int[d];
        ChildMasks(adjacency, d, children);
        Rows(children, reach);
        WriteFlags(reach, d, closure);
    }

    /// <summary>Whether the graph given by child masks has no directed cycle (no node reaches itself).</summary>
    public static bool IsAcyclic(ReadOnlySpan<int> children)
    {
        for (int i = 0; i < children.Length; i++)
            if ((ReachableFrom(children, i) >> i & 1) != 0) return false;
        return true;
    }
}
