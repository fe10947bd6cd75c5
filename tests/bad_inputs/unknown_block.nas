space s {
  block layer(x, w) { linear(x, w) | relu }
  head projector(x: backbone) {
    h = repeat 3 layr(x, 512)
    z = linear(h, 128)
  }
}
