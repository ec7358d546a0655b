/** Which of a factory's problems the editor shows itself (everything but what the JSON schemas already report). */
import type { Problem } from '../../common/errors';
import type { Factory } from '../../common/model/factory';

export function factoryProblems(factory: Factory): Problem[] {
  return factory.problems;
}
