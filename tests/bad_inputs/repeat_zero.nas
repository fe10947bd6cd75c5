space s {
  block layer(x, w) { linear(x, w) | relu }
  head projector(x: backbone) {
    h = repeat 0 layer(x, 512)
    z = linear(h, 128)
  }
}
