# NASiam's SimSiam space, exactly the seed's (aheuillet/NASiam@e3a1a4c): 6 + 4 layers of its 7
# candidates in its order and layer rules; at the expanding layer 5 are one op (`check` warns).
space nasiam_simsiam for simsiam {
  meta {
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let acts = {relu, silu, hardswish, elu}
  let pools = {maxpool, avgpool}
  let dim = 2048
  let pred = 512

  block lbn(x, w) { linear(x, w, bias=false) | bn }
  block lbr(x, w) { lbn(x, w) | relu }
  block layer(x, w) { choose(x | each(pools) | bn, identity(x), lbn(x, w) | each(acts)) }
  block contract(x, w) { choose(lbr(x, w) | each(pools) | bn, lbr(x, w), lbn(x, w) | each(acts)) }
  block expand(x, w) { choose(linear(x, w) | each(pools) | bn, linear(x, w) * 5) }

  head projector(x: backbone) {
    h = repeat 6 layer(x, backbone)
    z = linear(h, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h1 = contract(z, pred)
    h2 = layer(h1, pred)
    h3 = layer(h2, pred)
    h4 = expand(h3, dim)
  }
}
