space s {
  let dim = 2048
  head projector(x: backbone) {
    z = linear(x, dims)
  }
}
