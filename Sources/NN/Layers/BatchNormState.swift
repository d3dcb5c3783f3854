/// The initial learnable and running state of a batch-normalisation layer (Ioffe & Szegedy 2015, Alg. 1), shared by
/// `BatchNorm1d` and `BatchNorm2d`: γ = 1 and β = 0 (PyTorch's `reset_parameters`, neither decays), running mean 0
/// and running variance 1 (so an untrained layer in inference is the identity up to eps).
enum BatchNormState {
    static func initial(_ count: Int) -> (gamma: Parameter, beta: Parameter, runningMean: Tensor, runningVar: Tensor) {
        let g = Tensor(zeros: [count])
        g.fill(1)
        let v = Tensor(zeros: [count])
        v.fill(1)
        return (Parameter(g, decays: false), Parameter(Tensor(zeros: [count]), decays: false), Tensor(zeros: [count]), v)
    }
}
