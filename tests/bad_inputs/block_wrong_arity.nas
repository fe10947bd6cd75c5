space s {
  block layer(x, w) { linear(x, w) | relu }
  head projector(x: backbone) {
    h = layer(x, 512, 256)
    z = linear(h, 128)
  }
}
