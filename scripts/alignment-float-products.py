#!/usr/bin/env python3
# docs/alignment.md "Numerics": why the alignment products stay in Double. Builds the NumPy reference
# data of Tests/AlignmentTests/IndependentImplementationTests.swift and compares cosine and linear CKA from
# float32 products (float32 accumulation, as sgemm) with float64 ones; the tests hold them to 1e-9.
# Would Float products (float32 inputs, float32 GEMM accumulation) keep the 1e-9 NumPy references?
import numpy as np
def value(i,j,l,t):
    shared=np.sin(1.3*i+0.7*j)*(1+0.4*t)
    own=0.6*np.sin(0.9*i*(l+1)+0.5*j+t)+0.3*(l+1)*np.cos(0.2*j+l)
    return shared+own
def src(l,t,n,d):
    i,j=np.meshgrid(np.arange(n),np.arange(d),indexing='ij')
    return value(i,j,l,t).astype(np.float32)
for (n,d) in [(37,23),(12,40),(1012,4096)]:
    x=src(0,1,n,d).astype(np.float64); y=src(1,1,n,d).astype(np.float64)
    xc=x-x.mean(0); yc=y-y.mean(0)
    def cos_diag(a,b,dt):
        a=a.astype(dt); b=b.astype(dt)
        s=(a@b.T).astype(np.float64); na=np.einsum('ij,ij->i',a,a).astype(np.float64); nb=np.einsum('ij,ij->i',b,b).astype(np.float64)
        return (np.diag(s)/np.sqrt(na*nb)).mean()
    def cka_lin(a,b,dt):
        k=(a.astype(dt)@a.astype(dt).T).astype(np.float64); l=(b.astype(dt)@b.astype(dt).T).astype(np.float64)
        return (k*l).sum()/np.sqrt((k*k).sum()*(l*l).sum())
    print(f"N={n} d={d}: |cosine f32 - f64| = {abs(cos_diag(x,y,np.float32)-cos_diag(x,y,np.float64)):.2e}, "
          f"|cka_linear f32 - f64| = {abs(cka_lin(xc,yc,np.float32)-cka_lin(xc,yc,np.float64)):.2e}")
