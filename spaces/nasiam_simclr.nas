# NASiam's SimCLR space, exactly the seed's (aheuillet/NASiam@e3a1a4c, SimCLR/model.py):
# 6 layers of 7 candidates, 2048 -> 512 ... -> 128 on a ResNet-50. Where it differs from the
# seed code: the seed's SimCLR copy orders its activations relu, hardswish, silu, elu; this space
# keeps the SimSiam copy's order (relu, silu, hardswish, elu), so candidate indices differ from
# the seed's alphas (`nasiam import-nasiam` maps its genotypes by structure, not by index).
space nasiam_simclr for simclr {
  meta {
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let acts = {relu, silu, hardswish, elu}
  let pools = {maxpool, avgpool}
  let hidden = 512
  let dim = 128

  block lbn(x, w) { linear(x, w, bias=false) | bn }
  block lbr(x, w) { lbn(x, w) | relu }
  block layer(x, w) { choose(x | each(pools) | bn, identity(x), lbn(x, w) | each(acts)) }
  block contract(x, w) { choose(lbr(x, w) | each(pools) | bn, lbr(x, w), lbn(x, w) | each(acts)) }

  head projector(x: backbone) {
    h1 = contract(x, hidden)
    h2 = layer(h1, hidden)
    h3 = layer(h2, hidden)
    h4 = layer(h3, hidden)
    h5 = layer(h4, hidden)
    h6 = contract(h5, dim)
  }
}
