# a node may not reuse the head input's name
space s {
  head projector(x: 512) {
    x = linear(x, 256)
  }
}
