using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// Sequences as tensors: states int64 [N, L] with −1 for blanks; K-hot features; write-any-blank masks (position a mod L
/// blank) or append masks (not yet full); the exit once full. The sample is the sequence as text; the log-reward is read
/// from a table of all K^L sequences computed at build time (so a proxy model's predictions are frozen into the sampler).
/// </summary>
internal sealed class SequenceSamplingStep : SamplingStep
{
    private readonly SequenceEnvironment _env;
    private readonly int _k, _l;
    private readonly float[] _logRewards;

    private SequenceSamplingStep(SequenceEnvironment env, float[] logRewards)
    {
        _env = env;
        _k = env.Tokens;
        _l = env.Length;
        _logRewards = logRewards;
    }

    /// <summary>The step, or null when K^L is too large for the reward table.</summary>
    public static SequenceSamplingStep? TryCreate(SequenceEnvironment env)
    {
        double count = Math.Pow(env.Tokens, env.Length);
        if (count > MaxTableEntries) return null;
        int n = (int)count, l = env.Length;
        var logRewards = new float[n];
        const int chunk = 4096;
        var sequences = new int[chunk * l];
        var values = new double[chunk];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            for (int i = 0; i < rows; i++)
            {
                long index = start + i;
                for (int p = l - 1; p >= 0; p--) { sequences[i * l + p] = (int)(index % env.Tokens); index /= env.Tokens; }
            }
            env.Reward.LogRewards(sequences.AsSpan(0, rows * l), values.AsSpan(0, rows));
            for (int i = 0; i < rows; i++) logRewards[start + i] = (float)values[i];
        }
        return new SequenceSamplingStep(env, logRewards);
    }

    public override GFlowNetEnvironment Environment => _env;

    public override OnnxElement SampleType => OnnxElement.String;

    public override int SampleWidth => 0;

    public override string Initial(OnnxBuilder g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Int64("length", [_l], 1)], ("axis", 0L));
        return g.Node("ConstantOfShape", [shape], ("value", OnnxBuilder.TensorValue.Scalar(-1L)));
    }

    public override string Encode(OnnxBuilder g, string states)
    {
        var position = new long[_l * _k];
        var token = new long[_l * _k];
        for (int j = 0; j < position.Length; j++) { position[j] = j / _k; token[j] = j % _k; }
        string gathered = g.Node("Gather", [states, g.Once("khot_position", () => g.Int64("khot_position", position, position.Length))], ("axis", 1L));
        return g.Node("Cast", [g.Node("Equal", [gathered, g.Once("khot_token", () => g.Int64("khot_token", token, token.Length))])], ("to", (long)OnnxElement.Float));
    }

    public override string Mask(OnnxBuilder g, string states)
    {
        string filled = Filled(g, states);
        string full = g.Node("Equal", [filled, g.Int64("length", [_l])]);
        string exit = g.Node("Unsqueeze", [full, g.Int64("axis1", [1], 1)]);
        string tokens;
        if (_env.ActionModel == SequenceActionModel.WriteAnyBlank)
        {
            var position = new long[_k * _l];
            for (int a = 0; a < position.Length; a++) position[a] = a % _l;
            string gathered = g.Node("Gather", [states, g.Once("action_position", () => g.Int64("action_position", position, position.Length))], ("axis", 1L));
            tokens = g.Node("Less", [gathered, g.Int64("zero", [0])]);
        }
        else
        {
            string notFull = g.Node("Not", [exit]);
            tokens = g.Node("Expand", [notFull, g.Int64("token_shape", [1, _k], 2)]);
        }
        return g.Node("Concat", [tokens, exit], ("axis", 1L));
    }

    public override string Step(OnnxBuilder g, string states, string actions, string active)
    {
        string axis1 = g.Int64("axis1", [1], 1);
        string action = g.Node("Unsqueeze", [actions, axis1]);
        string activeColumn = g.Node("Unsqueeze", [active, axis1]);
        string delta;
        if (_env.ActionModel == SequenceActionModel.WriteAnyBlank)
        {
            // One-hot of the action over the K·L token actions, times M[a, p] = (a / L) + 1 where p = a mod L.
            var range = new long[_k * _l];
            var m = new float[_k * _l * _l];
            for (int a = 0; a < range.Length; a++) { range[a] = a; m[a * _l + a % _l] = a / _l + 1; }
            string hot = g.Node("And", [g.Node("Equal", [action, g.Once("actions", () => g.Int64("actions", range, range.Length))]), activeColumn]);
            string moved = g.Node("MatMul", [g.Node("Cast", [hot], ("to", (long)OnnxElement.Float)), g.Once("write", () => g.Float("write", m, _k * _l, _l))]);
            delta = g.Node("Cast", [moved], ("to", (long)OnnxElement.Int64));
        }
        else
        {
            // Position f (the number of filled positions) gets the token: delta = (action + 1) there.
            var positions = new long[_l];
            for (int p = 0; p < _l; p++) positions[p] = p;
            string here = g.Node("Equal", [g.Int64("positions", positions, _l), g.Node("Unsqueeze", [Filled(g, states), axis1])]);
            string isToken = g.Node("Less", [action, g.Int64("k", [_k])]);
            string write = g.Node("And", [g.Node("And", [here, isToken]), activeColumn]);
            delta = g.Node("Mul", [g.Node("Cast", [write], ("to", (long)OnnxElement.Int64)), g.Node("Add", [action, g.Int64("one", [1])])]);
        }
        return g.Node("Add", [states, delta]);
    }

    public override string Sample(OnnxBuilder g, string states)
    {
        string letters = g.Strings("alphabet", _env.Reward.Alphabet.Select(c => c.ToString()).ToArray(), _k);
        string chars = g.Node("Gather", [letters, states], ("axis", 0L));
        string? text = null;
        for (int p = 0; p < _l; p++)
        {
            string column = g.Node("Gather", [chars, g.Int64("position", [p])], ("axis", 1L));
            text = text is null ? column : g.Node("StringConcat", [text, column]);
        }
        return text!;
    }

    public override string LogReward(OnnxBuilder g, string states)
    {
        var powers = new long[_l];
        long power = 1;
        for (int p = _l - 1; p >= 0; p--) { powers[p] = power; power *= _k; }
        string index = g.Node("ReduceSum", [g.Node("Mul", [states, g.Int64("powers", powers, _l)]), g.Int64("axis1", [1], 1)], ("keepdims", 0L));
        return g.Node("Gather", [g.Once("log_rewards", () => g.Float("log_rewards", _logRewards, _logRewards.Length)), index], ("axis", 0L));
    }

    private string Filled(OnnxBuilder g, string states)
    {
        string isFilled = g.Node("Cast", [g.Node("GreaterOrEqual", [states, g.Int64("zero", [0])])], ("to", (long)OnnxElement.Int64));
        return g.Node("ReduceSum", [isFilled, g.Int64("axis1", [1], 1)], ("keepdims", 0L));
    }
}
