using GFlowNetML.Parameters;

namespace GFlowNetML.Cli;

/// <summary>A titled group of a command's options, as its help lists them.</summary>
/// <param name="Title">The group's heading (e.g. <c>Training</c>, <c>--env hypergrid: the D-dimensional grid …</c>).</param>
/// <param name="Options">The options, each declared once with its type, default, range and description.</param>
internal sealed record OptionGroup(string Title, IReadOnlyList<ParameterDeclaration> Options);
