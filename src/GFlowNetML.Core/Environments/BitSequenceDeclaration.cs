using GFlowNetML.Parameters;

namespace GFlowNetML.Environments;

/// <summary>The bit-sequence task's declared parameters (<see cref="BitSequence.Declaration"/>).</summary>
internal static class BitSequenceDeclaration
{
    public static readonly EnvironmentDeclaration Value = new("bitseq", "bit strings built word by word, rewarded by the Hamming distance to a seeded codebook (Malkin et al. 2022)",
    [
        ParameterDeclaration.Integer("bits", 120, 1, 4096, "the string length n, a multiple of word"),
        ParameterDeclaration.Integer("word", 4, 1, 16, "the word size k: the bits one action appends"),
        ParameterDeclaration.Integer("codebook", 60, 1, BitSequence.MaxCodebook, "the number of codebook strings |M|"),
        ParameterDeclaration.Number("temperature", 1, 0, double.PositiveInfinity, "the reward temperature T", exclusiveMinimum: true),
        ParameterDeclaration.Integer("mode-radius", null, 0, 4096, "the Hamming radius within which a string is a mode") with { NoDefault = "bits / 5" },
        ParameterDeclaration.Seed("codebook-seed", "the seed of the random codebook"),
    ], Create);

    private static BitSequence Create(ParameterValues p)
    {
        int bits = p.Int("bits"), word = p.Int("word");
        if (bits % word != 0) throw new ParameterException("bits", $"{p.Spell("bits")} must be a multiple of {p.Spell("word")}; got {bits} and {word}.");
        return new BitSequence(bits, word, p.Int("codebook"), p.Double("temperature"), p.Long("codebook-seed"), p.OptionalInt("mode-radius"));
    }
}
