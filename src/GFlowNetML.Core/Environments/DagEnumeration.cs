namespace GFlowNetML.Environments;

/// <summary>
/// All labelled DAGs over a few nodes (1, 3, 25, 543, 29,281, 3,781,503 for d = 1..6; OEIS A003024), by breadth-first
/// search from the empty graph: level k + 1 holds every DAG obtained by adding one edge to a DAG of level k that keeps it
/// acyclic. Levels are sorted by adjacency bit mask, so the order is deterministic and topological (edge count first).
/// </summary>
internal static class DagEnumeration
{
    /// <summary>The adjacency bit masks (bit i·d + j: i → j) of all DAGs over <paramref name="d"/> ≤ 5 nodes, by edge count
    /// then mask.</summary>
    public static List<int> AdjacencyMasks(int d)
    {
        if (d < 1 || d > 5) throw new ArgumentOutOfRangeException(nameof(d), d, "Enumeration is limited to 1..5 nodes.");
        var all = new List<int> { 0 };
        var level = new List<int> { 0 };
        var next = new HashSet<int>();
        Span<int> children = stackalloc int[d];
        while (level.Count > 0)
        {
            next.Clear();
            foreach (int mask in level)
            {
                for (int i = 0; i < d; i++) children[i] = (mask >> (i * d)) & ((1 << d) - 1);
                for (int j = 0; j < d; j++)
                {
                    int reachFromJ = DagClosure.ReachableFrom(children, j);
                    if ((reachFromJ >> j & 1) != 0) throw new InvalidOperationException("The enumeration produced a cycle.");
                    for (int i = 0; i < d; i++)
                    {
                        int bit = 1 << (i * d + j);
                        if (i != j && (mask & bit) == 0 && (reachFromJ >> i & 1) == 0) next.Add(mask | bit);
                    }
                }
            }
            level = [.. next];
            level.Sort();
            all.AddRange(level);
        }
        return all;
    }

    /// <summary>The states (adjacency flags, then closure flags; 2·d·d integers each) of all DAGs over <paramref name="d"/>
    /// ≤ 5 nodes, in the order of <see cref="AdjacencyMasks"/>.</summary>
    public static int[] States(int d)
    {
        var masks = AdjacencyMasks(d);
        int square = d * d, width = 2 * square;
        var states = new int[masks.Count * width];
        Span<int> children = stackalloc int[d];
        Span<int> reach = stackalloc int[d];
        for (int s = 0; s < masks.Count; s++)
        {
            var state = states.AsSpan(s * width, width);
            for (int k = 0; k < square; k++) state[k] = masks[s] >> k & 1;
            for (int i = 0; i < d; i++) children[i] = (masks[s] >> (i * d)) & ((1 << d) - 1);
            DagClosure.Rows(children, reach);
            DagClosure.WriteFlags(reach, d, state[square..]);
        }
        return states;
    }
}
