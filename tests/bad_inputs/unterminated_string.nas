space s {
  meta { paper = "NASiam: Efficient Representation Learning }
  head projector(x: 512) {
    z = linear(x, 256)
  }
}
