# blocks, repetition, depth and candidate shorthands, written untidily
space   blocks for simsiam{
  let acts={relu,silu}   let pools = {maxpool,avgpool}
  block lbn( x,w ){linear(x,w,bias=false)|bn}  # a pipeline block
  block layer(x , w) { choose( x|each(pools)|bn , identity(x)*2 , lbn(x,w)|each(acts) ) }
  block residual(x,w){
     # inner nodes are named after the use
     a=lbn(x,w)|relu
     y=sum(x,a)
  }
  head projector(x:backbone){ h=repeat 3 layer(x,backbone)
    r = repeat {1,2,3} residual(h, backbone)   z=linear(r,128)|bn(affine=false) }
  head predictor(z:projector){ h=layer(z,128)   p=lbn(h,128) }
}
