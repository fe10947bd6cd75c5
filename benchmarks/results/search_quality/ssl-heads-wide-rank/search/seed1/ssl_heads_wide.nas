# The ssl_heads space with the projector's hidden width as a decision too: 512 (its standard
# member, SimSiam's recipe scaled to the small backbone) or 2048 (SimSiam's own width). Head
# width was the one change that moved backbone quality on the embedded data; here the search
# has to find that itself, beside the choices that decide whether the heads collapse (BN in
# hidden layers and at the projector output), the projector's depth, the predictor's
# bottleneck and the activation.
space ssl_heads_wide for simsiam {
  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, width{512, 2048}, bias=false) | norm{bn, none} | act(acts)
    h2 = choose(linear(h1, width{512, 2048}, bias=false) | norm{bn, none} | act(acts), identity(h1))
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false), none}
  }

  head predictor(z: projector) {
    h = linear(z, width{16, 64, 256}, bias=false) | norm{bn, none} | act(acts)
    p = linear(h, dim)
  }
}
