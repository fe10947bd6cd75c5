# nodes form a DAG in source order: h reads z before z exists
space s {
  head projector(x: 512) {
    h = linear(z, 256)
    z = linear(x, 256)
  }
}
