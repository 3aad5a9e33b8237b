using System.Text;

namespace GFlowNetML.Rewards;

/// <summary>Sequences as text: default alphabets, alphabet checks, formatting and parsing (blanks are '_').</summary>
internal static class SequenceText
{
    /// <summary>The character that shows a blank position.</summary>
    public const char Blank = '_';

    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>"ACGT" for 4 tokens; otherwise the first K of 0–9, A–Z, a–z; <c>null</c> beyond 62 tokens.</summary>
    public static string? DefaultAlphabet(int tokens) => tokens == 4 ? "ACGT" : tokens <= Digits.Length ? Digits[..tokens] : null;

    /// <summary>The given alphabet, checked, or the default one for <paramref name="tokens"/>.</summary>
    public static string Resolve(string? alphabet, int tokens, string parameterName)
    {
        if (alphabet is null)
            return DefaultAlphabet(tokens)
                ?? throw new ArgumentException($"There is no default alphabet for {tokens} tokens (at most {Digits.Length}); give an alphabet of {tokens} distinct characters.", parameterName);
        if (alphabet.Length != tokens)
            throw new ArgumentException($"The alphabet '{alphabet}' has {alphabet.Length} characters; it needs one per token ({tokens}).", parameterName);
        var seen = new HashSet<char>();
        foreach (char c in alphabet)
        {
            if (c == Blank || c == ',' || c == '"' || char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c))
                throw new ArgumentException($"The alphabet '{alphabet}' contains '{c}'; alphabet characters cannot be '{Blank}' (the blank), a comma, a quote, white space, a control character or half of a surrogate pair.", parameterName);
            if (!seen.Add(c)) throw new ArgumentException($"The alphabet '{alphabet}' contains '{c}' twice; its characters must be distinct.", parameterName);
        }
        return alphabet;
    }

    /// <summary>The sequence as text: tokens as alphabet characters and blanks (−1) as '_'; a sequence with any other
    /// value is written as its numbers, e.g. <c>(0, 7, -3)</c>.</summary>
    public static string Format(ReadOnlySpan<int> sequence, string alphabet)
    {
        foreach (int x in sequence)
            if (x < -1 || x >= alphabet.Length) return "(" + string.Join(", ", sequence.ToArray()) + ")";
        var text = new StringBuilder(sequence.Length);
        foreach (int x in sequence) text.Append(x < 0 ? Blank : alphabet[x]);
        return text.ToString();
    }

    /// <summary>Parses text into tokens (blanks allowed only when <paramref name="allowBlanks"/>); returns an error message or <c>null</c>.</summary>
    public static string? TryParse(ReadOnlySpan<char> text, string alphabet, Span<int> tokens, bool allowBlanks = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == Blank && allowBlanks) { tokens[i] = -1; continue; }
            int k = alphabet.IndexOf(c);
            if (k < 0) return $"the sequence '{text}' contains '{c}' at position {i}, which is not in the alphabet '{alphabet}'";
            tokens[i] = k;
        }
        return null;
    }

    /// <summary>K^L, or −1 when it exceeds <paramref name="limit"/>.</summary>
    public static long Power(int tokens, int length, long limit)
    {
        long count = 1;
        for (int i = 0; i < length; i++)
        {
            count *= tokens;
            if (count > limit) return -1;
        }
        return count;
    }

    /// <summary>The lexicographic index Σ_i x_i·K^(L−1−i) of a complete sequence (position 0 most significant).</summary>
    public static int Index(ReadOnlySpan<int> sequence, int tokens)
    {
        int index = 0;
        foreach (int x in sequence) index = index * tokens + x;
        return index;
    }

    /// <summary>Writes the sequence with lexicographic index <paramref name="index"/>.</summary>
    public static void FromIndex(long index, int tokens, Span<int> sequence)
    {
        for (int i = sequence.Length - 1; i >= 0; i--)
        {
            sequence[i] = (int)(index % tokens);
            index /= tokens;
        }
    }
}
