/** A conversion problem: one line naming the file (and tensor) and what was expected. */
export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertError';
  }
}

/** Thrown when the caller cancels a conversion; the output folder is left absent. */
export class ConvertCancelled extends Error {
  constructor() {
    super('Conversion cancelled');
    this.name = 'ConvertCancelled';
  }
}
