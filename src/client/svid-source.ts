// Where the client's X.509-SVID and trust bundle come from. A source hands out the current material
// and tells the client when it rotates; the client then builds a new channel with it.

/** PEM material for one mTLS identity. */
export interface X509Material {
  /** This workload's X.509-SVID: leaf first, then intermediates. */
  readonly svidPem: string;
  readonly svidKeyPem: string;
  /** The authorities that vouch for the warrant server. */
  readonly bundlePem: string;
}

export interface SvidSource {
  /** The current material; waits for the first one when the source is still starting. */
  material(): Promise<X509Material>;
  /** Called with each new material after a rotation; returns the function that unsubscribes. */
  onChange(listener: (material: X509Material) => void): () => void;
  /** Called when a rotation was seen but could not be used; the previous material stays in use. */
  onError(listener: (err: Error) => void): () => void;
  /** Stops watching; never throws. */
  close(): void;
}

/** Fixed material that never rotates (the PEM strings given to the constructor). */
export class StaticSvidSource implements SvidSource {
  readonly #material: X509Material;

  constructor(material: X509Material) {
    this.#material = material;
  }

  material(): Promise<X509Material> {
    return Promise.resolve(this.#material);
  }

  onChange(): () => void {
    return () => undefined;
  }

  onError(): () => void {
    return () => undefined;
  }

  close(): void {}
}
