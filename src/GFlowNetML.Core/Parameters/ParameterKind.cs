namespace GFlowNetML.Parameters;

/// <summary>The type of a declared parameter's value.</summary>
public enum ParameterKind
{
    /// <summary>An integer (a 64-bit one where the range allows), written in the invariant culture.</summary>
    Integer,

    /// <summary>A finite floating-point number, written in the invariant culture.</summary>
    Number,

    /// <summary>One of a fixed list of names (<see cref="ParameterDeclaration.Choices"/>).</summary>
    Choice,

    /// <summary>Free text: a path, a list, an alphabet.</summary>
    Text,

    /// <summary>A switch without a value: given or not.</summary>
    Flag,
}
