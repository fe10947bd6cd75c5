# A genotype keeps one candidate of each choice, with the probability it had.
genotype found for simsiam {
  meta {
    source = "spaces/dag.nas"
    space_hash = "sha256:0123abcd"
    seed = 0
  }
  let dim = 2048
  head projector(x: backbone) {
    h1 = linear(x, 2048, bias=false) | bn | act{gelu @0.71} as hidden_act
    h2 = choose(linear(h1, 2048, bias=false) | bn | act{gelu @0.71} @0.58)
    h3 = sum(pick 1 of {h2 @0.9})
    z = linear(h3, dim, bias=frozen) | bn(affine=false)
  }
  head predictor(z: projector) {
    h = linear(z, width{512 @0.4}, bias=false) | norm{bn @1.0} | act{gelu @0.71} as hidden_act
    p = linear(h, dim)
  }
}
