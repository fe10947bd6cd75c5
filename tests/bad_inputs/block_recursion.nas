space s {
  block a(x, w) { b(x, w) | relu }
  block b(x, w) { a(x, w) | bn }
  head projector(x: backbone) {
    z = a(x, 128)
  }
}
