using GFlowNetML.Environments;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// A built-in environment on its own <see cref="OnnxStepGraph"/> (states int64 [N, StateWidth]) with the log-reward
/// computed in the graph. The sample of a sequence is its text (the alphabet's letters joined by <c>StringConcat</c>);
/// any other sample is the state vector as floats.
/// </summary>
internal sealed class TensorSamplingStep(GFlowNetEnvironment environment, OnnxStepGraph stepGraph, LogRewardGraph logReward) : SamplingStep
{
    public override GFlowNetEnvironment Environment => environment;

    public override OnnxStepGraph StepGraph => stepGraph;

    public override bool SampleIsText => environment is SequenceEnvironment;

    public override int SampleWidth => SampleIsText ? 0 : environment.StateWidth;

    public override string Sample(OnnxGraph g, string states)
        => environment is SequenceEnvironment sequence ? Text(g, sequence, states) : g.Node("Cast", [states], null, OnnxAttribute.Int("to", (long)OnnxType.Float));

    public override string LogReward(OnnxGraph g, string states) => logReward.Emit(g, states);

    /// <summary>The text of full sequences: each token's letter, concatenated left to right.</summary>
    private static string Text(OnnxGraph g, SequenceEnvironment sequence, string states)
    {
        string letters = g.StringConstant("alphabet", sequence.Reward.Alphabet.Select(c => c.ToString()).ToArray(), sequence.Tokens);
        string chars = g.Node("Gather", [letters, states], null, OnnxAttribute.Int("axis", 0));
        string? text = null;
        for (int p = 0; p < sequence.Length; p++)
        {
            string column = g.Node("Gather", [chars, g.Constant("position", [(long)p])], null, OnnxAttribute.Int("axis", 1));
            text = text is null ? column : g.Node("StringConcat", [text, column]);
        }
        return text!;
    }
}
