# NASiam's MoCo v2 space, exactly the seed's (aheuillet/NASiam@e3a1a4c, MoCo/moco/builder.py):
# 4 layers of 7 candidates at the backbone width, then a linear to 128. Where it differs from the
# seed code: the seed's MoCo linear candidates pass out_dim as BatchNorm1d's eps (a positional
# argument slip: eps = 512 or 2048, so those candidates' outputs have a std of about 0.02 against
# 1.0 for the pools and identity) and keep a bias before the BN; here they are linear (no bias) | bn, as in
# its SimSiam copy. Its final MoCo model puts the searched cell in both encoders and freezes the
# key encoder, so the cell (its BN affine parameters too) never trains; here the key projector
# is an EMA copy and the query cell trains.
space nasiam_moco for mocov2 {
  meta {
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let acts = {relu, silu, hardswish, elu}
  let pools = {maxpool, avgpool}
  let dim = 128

  block lbn(x, w) { linear(x, w, bias=false) | bn }
  block layer(x, w) { choose(x | each(pools) | bn, identity(x), lbn(x, w) | each(acts)) }

  head projector(x: backbone) {
    h = repeat 4 layer(x, backbone)
    z = linear(h, dim)
  }
}
