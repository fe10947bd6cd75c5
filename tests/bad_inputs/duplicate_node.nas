# two nodes of one head share a name
space s {
  head projector(x: 512) {
    h = linear(x, 256) | relu
    h = linear(h, 128)
  }
}
