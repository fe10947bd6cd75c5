# Choices that are known to matter for SimSiam heads, at a size the embedded data can train:
# BatchNorm or none in each hidden layer (the SimSiam paper: no BN collapses to 34.6 % on
# ImageNet against 67.4 % with BN in hidden layers), a non-affine BN or none at the projector
# output, the projector's depth (a second hidden layer or a skip), the predictor's bottleneck
# width, and the activation. Its standard member (BN + ReLU, two hidden layers, BN output,
# a 64-wide bottleneck: d/4) is SimSiam's recipe scaled down.
space ssl_heads for simsiam {
  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn, none} | act(acts)
    h2 = choose(linear(h1, 512, bias=false) | norm{bn, none} | act(acts), identity(h1))
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false), none}
  }

  head predictor(z: projector) {
    h = linear(z, width{16, 64, 256}, bias=false) | norm{bn, none} | act(acts)
    p = linear(h, dim)
  }
}
