# A choose that fits in 100 columns stays on one line; a longer one is broken one
# candidate per line, with a trailing comma, even if it was written on one line.
space long for simsiam {
  head projector(x: backbone) {
    short = choose(identity(x), linear(x, backbone) | bn | relu)
    long = choose(maxpool(short) | bn, avgpool(short) | bn, identity(short), linear(short, backbone, bias=false) | bn | relu, linear(short, backbone, bias=false) | bn | silu) as layer2 | bn
    nested = choose(identity(long), choose(maxpool(long) | bn(affine=false, momentum=0.01), avgpool(long) | bn(affine=false, momentum=0.01), identity(long)) as inner)
    z = choose(
      identity(nested), linear(nested, backbone)
    )
  }
}
