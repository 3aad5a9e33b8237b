using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// An environment's initial state, encoding, forward masks and step as ONNX tensor operations, so that the whole
/// trajectory loop runs inside one ONNX Runtime call (<see cref="TrajectoryGraph"/>). States are int64 [N, StateWidth].
/// Environments without one are sampled by the host-driven loop.
/// </summary>
internal abstract class OnnxStepGraph
{
    /// <summary>A name and version of the step graph, recorded in the model metadata.</summary>
    public abstract string Name { get; }

    /// <summary>The initial states [N, StateWidth] for a batch whose size is the int64 [1] tensor <paramref name="batch"/>.</summary>
    public abstract string InitialStates(OnnxGraph g, string batch);

    /// <summary>The features float [N, EncodingWidth] of the states (what <see cref="GFlowNetEnvironment.Encode"/> writes).</summary>
    public abstract string Encode(OnnxGraph g, string states);

    /// <summary>The forward masks bool [N, ActionCount] (what <see cref="GFlowNetEnvironment.ForwardMasks"/> writes).</summary>
    public abstract string ForwardMask(OnnxGraph g, string states);

    /// <summary>The states after each row's action int64 [N], applied only where <paramref name="active"/> (bool [N]) is set
    /// (the exit action leaves a state unchanged).</summary>
    public abstract string Step(OnnxGraph g, string states, string actions, string active);

    /// <summary>The step graph of a built-in environment, or null when the environment has none.</summary>
    public static OnnxStepGraph? For(GFlowNetEnvironment environment) => environment switch
    {
        HyperGrid grid => new HyperGridStepGraph(grid),
        SequenceEnvironment sequence => new SequenceStepGraph(sequence),
        DagEnvironment dag => new DagStepGraph(dag),
        BitSequence bits => new BitSequenceStepGraph(bits),
        _ => null,
    };
}
