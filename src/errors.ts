/**
 * The one base class of errors caused by what the user gave — a config, rule
 * text, a grammar file, a task name, a data folder, a backend that cannot
 * load — as opposed to a defect of the engine. Its message alone tells the
 * user what to change, so the command line prints it without a stack trace and
 * exits 2. Each layer subclasses it for its own kind of input; nothing
 * classifies errors by matching their message text.
 */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
