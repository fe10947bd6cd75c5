# summed inputs must have one width
space s {
  head projector(x: 512) {
    a = linear(x, 256)
    b = linear(x, 128)
    z = sum(a, b)
  }
}
