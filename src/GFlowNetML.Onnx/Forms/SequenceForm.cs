using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// The sequence environment in ONNX. Step: tensor operations, for its three action models. States are L tokens, −1 for a
/// blank. K-hot features as <c>Equal(Gather(x, position), token)</c> (a blank matches no token, so its row stays zero);
/// the number of blanks as a float <c>ReduceSum</c>, which gives the exit column (no blank) and, for the left-aligned
/// models, the token columns (some blank) and the append position (L − blanks); write-any-blank's column a reads
/// whether position a mod L is blank. A step is one <c>Where</c> that writes the token at a one-hot position, or, for a
/// prepend, the row shifted right by one behind the token. Per-action constants (token, position) are gathered from
/// tables indexed by the action, so the exit column (a row of zeros) needs no special case beyond the write gate.
/// Log-reward: a table of the K^L sequences' log-rewards; the sample: the sequence's text.
/// </summary>
internal class SequenceForm : OnnxForm
{
    private readonly int _k, _l, _actions;
    private readonly SequenceActionModel _model;

    private readonly SequenceEnvironment? _sequence;

    /// <summary>The form of a sequence environment.</summary>
    public SequenceForm(SequenceEnvironment environment)
        : this(environment, environment.Tokens, environment.Length, environment.ActionModel)
    {
        _sequence = environment;
    }

    /// <summary>The step graph of left-aligned or write-any-blank sequences of <paramref name="length"/> tokens out of
    /// <paramref name="tokens"/>, laid out exactly as <see cref="SequenceEnvironment"/> lays them out, for another
    /// environment with that layout.</summary>
    protected SequenceForm(GFlowNetEnvironment environment, int tokens, int length, SequenceActionModel model) : base(environment)
    {
        _k = tokens;
        _l = length;
        _model = model;
        _actions = model switch
        {
            SequenceActionModel.WriteAnyBlank => tokens * length + 1,
            SequenceActionModel.Append => tokens + 1,
            _ => 2 * tokens + 1,
        };
    }

    public override string Name => $"sequence-{SequenceEnvironment.ActionModelName(_model)}-v1";

    public override string InitialStates(OnnxGraph g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Constant("length", [(long)_l], 1)], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ConstantOfShape", [shape], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(-1L)));
    }

    /// <summary>Feature p·K + t is set iff x_p = t (a blank, −1, matches no token).</summary>
    public override string Encode(OnnxGraph g, string states) => KHot(g, states, _l, _k);

    public override string ForwardMask(OnnxGraph g, string states)
    {
        string blanks = Blanks(g, states);
        string exit = g.Node("Less", [blanks, g.Constant("half", [0.5f])]);
        string moves;
        if (_model == SequenceActionModel.WriteAnyBlank)
        {
            // Column a = t·L + p is allowed iff position p is blank.
            var position = new long[_actions - 1];
            for (int a = 0; a < position.Length; a++) position[a] = a % _l;
            string gathered = g.Node("Gather", [states, g.Constant("action_position", position, position.Length)], null, OnnxAttribute.Int("axis", 1));
            moves = g.Node("Less", [gathered, g.Constant("zero", [0L])]);
        }
        else
        {
            // Every token column is allowed iff some position is blank: blanks [N, 1] > ½ broadcast over the columns.
            var half = new float[_actions - 1];
            Array.Fill(half, 0.5f);
            moves = g.Node("Greater", [blanks, g.Constant("half_row", half, half.Length)]);
        }
        return g.Node("Concat", [moves, exit], null, OnnxAttribute.Int("axis", 1));
    }

    public override string Step(OnnxGraph g, string states, string actions, string active)
    {
        string axis1 = g.Constant("axis1", [1L], 1);
        string action = g.Node("Unsqueeze", [actions, axis1]);                                    // [N, 1]
        string write = g.Node("And", [g.Node("Unsqueeze", [active, axis1]), g.Node("Less", [action, g.Constant("exit", [(long)(_actions - 1)])])]);
        var tokenTable = new long[_actions];
        var positionTable = new long[_actions];
        for (int a = 0; a < _actions - 1; a++)
        {
            tokenTable[a] = _model switch
            {
                SequenceActionModel.WriteAnyBlank => a / _l,
                SequenceActionModel.Append => a,
                _ => a % _k,
            };
            positionTable[a] = _model == SequenceActionModel.WriteAnyBlank ? a % _l : 0;
        }
        string token = g.Node("Gather", [g.Constant("action_token", tokenTable, _actions), action], null, OnnxAttribute.Int("axis", 0)); // [N, 1]

        string at;
        if (_model == SequenceActionModel.WriteAnyBlank)
        {
            string position = g.Node("Gather", [g.Constant("action_position", positionTable, _actions), action], null, OnnxAttribute.Int("axis", 0));
            at = g.Node("Equal", [position, g.Constant("positions", Range(_l), _l)]);
        }
        else
        {
            // The first blank is position L − blanks: column p is hit iff blanks = L − p.
            var fromEnd = new float[_l];
            for (int p = 0; p < _l; p++) fromEnd[p] = _l - p;
            at = g.Node("Equal", [Blanks(g, states), g.Constant("positions_from_end", fromEnd, _l)]);
        }
        string written = g.Node("Where", [g.Node("And", [at, write]), token, states]);
        if (_model != SequenceActionModel.PrependOrAppend) return written;

        // Prepend (actions K..2K−1): the token, then the row shifted right by one (the dropped last entry is a blank).
        string kept = g.Node("Slice", [states, g.Constant("slice_start", [0L], 1), g.Constant("slice_end", [(long)(_l - 1)], 1), axis1]);
        string shifted = g.Node("Concat", [token, kept], null, OnnxAttribute.Int("axis", 1));
        string prepend = g.Node("And", [write, g.Node("Greater", [action, g.Constant("last_append", [(long)(_k - 1)])])]);
        return g.Node("Where", [prepend, shifted, written]);
    }

    public override string EncodingText
        => $"k-hot: {_l} positions × {_k} tokens (feature i·{_k} + token is 1; blank positions are all zero)";

    public override string ActionText => _model switch
    {
        SequenceActionModel.WriteAnyBlank
            => $"a in 0..{_k * _l - 1}: write token a / {_l} at blank position a mod {_l}; {_actions - 1}: exit (full sequences only)",
        SequenceActionModel.Append => $"0..{_k - 1}: append that token; {_k}: exit (full sequences only)",
        _ => $"0..{_k - 1}: append that token; {_k}..{2 * _k - 1}: prepend token a − {_k}; {2 * _k}: exit (full sequences only)",
    };

    public override string? LogRewardLimit
    {
        get
        {
            double sequences = Math.Pow(_k, _l);
            return sequences <= MaxTableEntries ? null
                : FormattableString.Invariant($"its reward table would hold K^L = {sequences:G6} sequences, more than {MaxTableEntries}.");
        }
    }

    /// <summary>A sequence's log-reward by table lookup: the full sequence x is the base-K number Σ_p x_p·K^(L−1−p), an
    /// index into the log-rewards of all K^L sequences, computed when first emitted from the environment's reward (a proxy
    /// model's predictions included).</summary>
    public override string LogReward(OnnxGraph g, string states)
    {
        var powers = new long[_l];
        long power = 1;
        for (int p = _l - 1; p >= 0; p--) { powers[p] = power; power *= _k; }
        string weighted = g.Node("Mul", [states, g.Constant("powers", powers, _l)]);
        string index = g.Node("ReduceSum", [weighted, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
        string table = g.Once("sequence_log_rewards", () => g.Constant("sequence_log_rewards", SequenceLogRewards(), (long)Math.Pow(_k, _l)));
        return g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));
    }

    private float[] SequenceLogRewards()
    {
        int n = checked((int)Math.Pow(_k, _l));
        var logRewards = new float[n];
        const int chunk = 4096;
        var sequences = new int[chunk * _l];
        var values = new double[chunk];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            for (int i = 0; i < rows; i++)
            {
                long index = start + i;
                for (int p = _l - 1; p >= 0; p--) { sequences[i * _l + p] = (int)(index % _k); index /= _k; }
            }
            _sequence!.Reward.LogRewards(sequences.AsSpan(0, rows * _l), values.AsSpan(0, rows));
            for (int i = 0; i < rows; i++) logRewards[start + i] = (float)values[i];
        }
        return logRewards;
    }

    public override bool SampleIsText => true;

    /// <summary>The text of full sequences: each token's letter, concatenated left to right.</summary>
    public override string Sample(OnnxGraph g, string states)
    {
        string letters = g.StringConstant("alphabet", _sequence!.Reward.Alphabet.Select(c => c.ToString()).ToArray(), _k);
        string chars = g.Node("Gather", [letters, states], null, OnnxAttribute.Int("axis", 0));
        string? text = null;
        for (int p = 0; p < _l; p++)
        {
            string column = g.Node("Gather", [chars, g.Constant("position", [(long)p])], null, OnnxAttribute.Int("axis", 1));
            text = text is null ? column : g.Node("StringConcat", [text, column]);
        }
        return text!;
    }

    /// <summary>The number of blank positions of each row, float [N, 1].</summary>
    private static string Blanks(OnnxGraph g, string states)
    {
        string blank = g.Node("Cast", [g.Node("Less", [states, g.Constant("zero", [0L])])], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
        return g.Node("ReduceSum", [blank, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 1));
    }

    private static long[] Range(int n)
    {
        var values = new long[n];
        for (int i = 0; i < n; i++) values[i] = i;
        return values;
    }
}
