# NASiam's MoCo v2 space, exactly the seed's (aheuillet/NASiam@e3a1a4c, MoCo/moco/builder.py):
# 4 layers of 7 candidates at the backbone width, then a linear to 128.
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
