namespace GFlowNetML.Environments;

/// <summary>How a <see cref="SequenceEnvironment"/> builds a sequence of K tokens and length L. In every model the exit
/// action is allowed only when the sequence is full, so every trajectory has exactly L + 1 steps.</summary>
public enum SequenceActionModel
{
    /// <summary>The paper's model (<c>BioSeqEnv</c>): K·L + 1 actions; action a writes token ⌊a / L⌋ at the blank position
    /// a mod L. L backward actions: p blanks the filled position p. A state with m filled positions has m parents.
    /// Parameter name <c>write-any-blank</c>.</summary>
    WriteAnyBlank,

    /// <summary>Left to right: K + 1 actions; action k appends token k. One backward action: remove the last token. Every
    /// state but s0 has one parent (the state graph is a tree). Parameter name <c>append</c>.</summary>
    Append,

    /// <summary>Prepend or append (<c>BioSeqPendEnv</c>): 2K + 1 actions; action k appends token k, action K + k prepends it.
    /// Two backward actions: 0 removes the first token, 1 removes the last. Every state with at least one token has two
    /// backward edges, even where both lead to the same parent (a one-token state, or "aa…" where removing either end
    /// gives the same sequence): the state graph is a multigraph, and the exact DP counts edges per action, so P_B uniform
    /// over backward actions is ½ per edge. Parameter name <c>prepend-or-append</c>.</summary>
    PrependOrAppend,
}
