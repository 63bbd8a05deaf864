import { pyAdd, pyCompare, pyFloat, pyMod, pyMul, pySub, pyTrueDiv } from '../python/ops.js';
import { asDict, augmented, getItem, joinStrings, pyIter, setItem } from '../python/builtins.js';
import { PyRandom, seedOf } from '../python/random.js';
import { PyDict, deepCopy, pyEq, pyTruthy, type PyValue } from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiInstance } from './contract.js';
import { processStateOf, type ProcessState } from './process-state.js';
import {
  CAR_STATUS_METADATA_EXTENSION,
  INTERMEDIARY_CITIES,
  PARKING_BRAKE_INSTRUCTION,
} from './long-context.js';

/**
 * Port of vehicle_control.py (VehicleControlAPI): engine, doors, climate, brakes, cruise control and a few lookup
 * tables.
 *
 * Quirks kept from the original: `remainingUnlockedDoors` is recomputed from `doorStatus` at load; the brake pedal
 * force is private (`_brakePedalForce`, loaded from the scenario's `brakePedalForce`) so the checker never compares
 * it; ints stay ints (`fillFuelTank(fuelAmount=10)` on an int level keeps an int); the outside temperature is a
 * seeded `uniform` draw, and in long-context mode it is written into the shared LONG_WEATHER_EXTENSION dict (the
 * session's `ProcessState` holds it), which is then returned whole.
 */

const MAX_FUEL_LEVEL = 50n;
const MIN_FUEL_LEVEL = 0.0;
const MILE_PER_GALLON = 20.0;

const DEFAULT_STATE = PyDict.of({
  random_seed: 141053n,
  fuelLevel: 0.0,
  batteryVoltage: 12.6,
  engine_state: 'stopped',
  remainingUnlockedDoors: 4n,
  doorStatus: PyDict.of({ driver: 'unlocked', passenger: 'unlocked', rear_left: 'unlocked', rear_right: 'unlocked' }),
  acTemperature: 25.0,
  fanSpeed: 50n,
  acMode: 'auto',
  humidityLevel: 50.0,
  headLightStatus: 'off',
  parkingBrakeStatus: 'released',
  _parkingBrakeForce: 0.0,
  _slopeAngle: 0.0,
  brakePedalStatus: 'released',
  brakePedalForce: 0.0,
  distanceToNextVehicle: 50.0,
  cruiseStatus: 'inactive',
  destination: 'None',
  frontLeftTirePressure: 32.0,
  frontRightTirePressure: 32.0,
  rearLeftTirePressure: 30.0,
  rearRightTirePressure: 30.0,
});

/** estimate_distance's table: both orders of each zip-code pair give the distance. */
const DISTANCES: ReadonlyArray<readonly [string, string, number]> = [
  ['83214', '74532', 750.0],
  ['56108', '62947', 320.0],
  ['71354', '83462', 450.0],
  ['47329', '52013', 290.0],
  ['69238', '51479', 630.0],
  ['94016', '83214', 980.0],
  ['94016', '94704', 600.0],
  ['94704', '08540', 2550.0],
  ['94016', '08540', 1950.0],
  ['62947', '47329', 1053.0],
  ['94016', '62947', 780.0],
  ['74532', '94016', 880.0],
];

const ZIPCODES: ReadonlyArray<readonly [string, string]> = [
  ['Rivermist', '83214'],
  ['Stonebrook', '74532'],
  ['Maplecrest', '56108'],
  ['Silverpine', '62947'],
  ['Shadowridge', '71354'],
  ['Sunset Valley', '83462'],
  ['Oakendale', '47329'],
  ['Willowbend', '52013'],
  ['Crescent Hollow', '69238'],
  ['Autumnville', '51479'],
  ['San Francisco', '94016'],
];

export class VehicleControlAPI implements ApiInstance {
  constructor(private readonly process: ProcessState) {}

  fuelLevel: PyValue = null;
  batteryVoltage: PyValue = null;
  engine_state: PyValue = null;
  remainingUnlockedDoors: PyValue = null;
  doorStatus: PyValue = null;
  acTemperature: PyValue = null;
  fanSpeed: PyValue = null;
  acMode: PyValue = null;
  humidityLevel: PyValue = null;
  headLightStatus: PyValue = null;
  parkingBrakeStatus: PyValue = null;
  brakePedalStatus: PyValue = null;
  distanceToNextVehicle: PyValue = null;
  cruiseStatus: PyValue = null;
  destination: PyValue = null;
  frontLeftTirePressure: PyValue = null;
  frontRightTirePressure: PyValue = null;
  rearLeftTirePressure: PyValue = null;
  rearRightTirePressure: PyValue = null;
  long_context = false;
  private random = new PyRandom(0);
  private parkingBrakeForce: PyValue = 0.0;
  private slopeAngle: PyValue = 0.0;
  private brakePedalForce: PyValue = 0.0;

  loadScenario(scenario: PyDict, longContext: boolean): void {
    const defaults = deepCopy(DEFAULT_STATE);
    const get = (key: string, defaultKey = key): PyValue => scenarioGet(scenario, key, defaults.getItem(defaultKey));
    this.random = new PyRandom(seedOf(get('random_seed')));
    this.fuelLevel = get('fuelLevel');
    this.batteryVoltage = get('batteryVoltage');
    this.engine_state = get('engineState', 'engine_state');
    this.remainingUnlockedDoors = get('remainingUnlockedDoors');
    this.doorStatus = get('doorStatus');
    // The scenario's remainingUnlockedDoors is overridden by counting the locked doors.
    const locked = pyIter(this.doorStatus).filter((door) => pyEq(getItem(this.doorStatus, door), 'locked')).length;
    this.remainingUnlockedDoors = BigInt(4 - locked);
    this.acTemperature = get('acTemperature');
    this.fanSpeed = get('fanSpeed');
    this.acMode = get('acMode');
    this.humidityLevel = get('humidityLevel');
    this.headLightStatus = get('headLightStatus');
    this.parkingBrakeStatus = get('parkingBrakeStatus');
    this.parkingBrakeForce = get('parkingBrakeForce', '_parkingBrakeForce');
    this.slopeAngle = get('slopeAngle', '_slopeAngle');
    this.brakePedalStatus = get('brakePedalStatus');
    this.brakePedalForce = get('brakePedalForce');
    this.distanceToNextVehicle = get('distanceToNextVehicle');
    this.cruiseStatus = get('cruiseStatus');
    this.destination = get('destination');
    this.frontLeftTirePressure = get('frontLeftTirePressure');
    this.frontRightTirePressure = get('frontRightTirePressure');
    this.rearLeftTirePressure = get('rearLeftTirePressure');
    this.rearRightTirePressure = get('rearRightTirePressure');
    this.long_context = longContext;
  }

  publicState(): Record<string, PyValue> {
    return {
      fuelLevel: this.fuelLevel,
      batteryVoltage: this.batteryVoltage,
      engine_state: this.engine_state,
      remainingUnlockedDoors: this.remainingUnlockedDoors,
      doorStatus: this.doorStatus,
      acTemperature: this.acTemperature,
      fanSpeed: this.fanSpeed,
      acMode: this.acMode,
      humidityLevel: this.humidityLevel,
      headLightStatus: this.headLightStatus,
      parkingBrakeStatus: this.parkingBrakeStatus,
      brakePedalStatus: this.brakePedalStatus,
      distanceToNextVehicle: this.distanceToNextVehicle,
      cruiseStatus: this.cruiseStatus,
      destination: this.destination,
      frontLeftTirePressure: this.frontLeftTirePressure,
      frontRightTirePressure: this.frontRightTirePressure,
      rearLeftTirePressure: this.rearLeftTirePressure,
      rearRightTirePressure: this.rearRightTirePressure,
      long_context: this.long_context,
    };
  }

  startEngine(ignitionMode: PyValue): PyValue {
    if (pyEq(ignitionMode, 'STOP')) this.engine_state = 'stopped';
    if (pyCompare('>', this.remainingUnlockedDoors, 0n)) {
      const unlocked = asDict(this.doorStatus, 'items')
        .entries()
        .filter(([, status]) => pyEq(status, 'unlocked'))
        .map(([door]) => door);
      return PyDict.of({
        error: 'All doors must be locked before starting the engine. Here are the unlocked doors: ' + joinStrings(', ', unlocked),
      });
    }
    if (!pyEq(this.brakePedalStatus, 'pressed')) {
      return PyDict.of({ error: 'Brake pedal needs to be pressed when starting the engine.' });
    }
    if (!pyEq(this.brakePedalForce, 1000.0)) {
      return PyDict.of({ error: 'Must press the brake fully before starting the engine.' });
    }
    if (pyCompare('<', this.fuelLevel, MIN_FUEL_LEVEL)) return PyDict.of({ error: 'Fuel tank is empty.' });
    if (pyEq(ignitionMode, 'START')) this.engine_state = 'running';
    else return PyDict.of({ error: 'Invalid ignition mode.' });
    return PyDict.of({
      engineState: this.engine_state,
      fuelLevel: this.fuelLevel,
      batteryVoltage: this.batteryVoltage,
    });
  }

  fillFuelTank(fuelAmount: PyValue): PyValue {
    if (pyCompare('<', fuelAmount, 0n)) return PyDict.of({ error: 'Fuel amount cannot be negative.' });
    if (pyCompare('>', pyAdd(this.fuelLevel, fuelAmount), MAX_FUEL_LEVEL)) {
      return PyDict.of({ error: 'Cannot fill gas above the tank capacity.' });
    }
    if (pyCompare('<', pyAdd(this.fuelLevel, fuelAmount), MIN_FUEL_LEVEL)) {
      return PyDict.of({ error: 'Fuel tank is empty. Min fuel level is 0 gallons.' });
    }
    this.fuelLevel = augmented('+=', pyAdd, this.fuelLevel, fuelAmount);
    return PyDict.of({ fuelLevel: this.fuelLevel });
  }

  lockDoors(unlock: PyValue, door: PyValue): PyValue {
    const target = pyTruthy(unlock) ? 'unlocked' : 'locked';
    for (const d of pyIter(door)) {
      if (pyEq(getItem(this.doorStatus, d), target)) continue;
      setItem(this.doorStatus, d, target);
      this.remainingUnlockedDoors = augmented(
        pyTruthy(unlock) ? '+=' : '-=',
        pyTruthy(unlock) ? pyAdd : pySub,
        this.remainingUnlockedDoors,
        1n,
      );
    }
    return PyDict.of({ lockStatus: target, remainingUnlockedDoors: this.remainingUnlockedDoors });
  }

  adjustClimateControl(temperature: PyValue, unit: PyValue, fanSpeed: PyValue, mode: PyValue): PyValue {
    if (!(pyCompare('<=', 0n, fanSpeed) && pyCompare('<=', fanSpeed, 100n))) {
      return PyDict.of({ error: 'Fan speed must be between 0 and 100.' });
    }
    this.acTemperature = temperature;
    if (pyEq(unit, 'fahrenheit')) this.acTemperature = pyTrueDiv(pyMul(pySub(temperature, 32n), 5n), 9n);
    this.fanSpeed = fanSpeed;
    this.acMode = mode;
    // The result echoes the temperature as given, not the converted one.
    return PyDict.of({ currentACTemperature: temperature, climateMode: mode, humidityLevel: this.humidityLevel });
  }

  get_outside_temperature_from_google(): PyValue {
    if (this.long_context) {
      const weather = this.process.longWeatherExtension;
      weather.set('outsideTemperature', this.random.uniform(-10.0, 40.0));
      return weather;
    }
    return PyDict.of({ outsideTemperature: this.random.uniform(-10.0, 40.0) });
  }

  get_outside_temperature_from_weather_com(): PyValue {
    return PyDict.of({ error: 404n });
  }

  setHeadlights(mode: PyValue): PyValue {
    if (!['on', 'off', 'auto'].some((m) => pyEq(m, mode))) return PyDict.of({ error: 'Invalid headlight mode.' });
    // "auto" switches the lights off.
    this.headLightStatus = pyEq(mode, 'on') ? 'on' : 'off';
    return PyDict.of({ headlightStatus: this.headLightStatus });
  }

  displayCarStatus(option: PyValue): PyValue {
    const status = new PyDict();
    if (this.long_context) status.set('metadata', CAR_STATUS_METADATA_EXTENSION);
    const is = (name: string): boolean => pyEq(option, name);
    if (is('fuel')) status.set('fuelLevel', this.fuelLevel);
    else if (is('battery')) status.set('batteryVoltage', this.batteryVoltage);
    else if (is('doors')) status.set('doorStatus', this.doorStatus);
    else if (is('climate')) {
      status.set('currentACTemperature', this.acTemperature);
      status.set('fanSpeed', this.fanSpeed);
      status.set('climateMode', this.acMode);
      status.set('humidityLevel', this.humidityLevel);
    } else if (is('headlights')) status.set('headlightStatus', this.headLightStatus);
    else if (is('parkingBrake')) {
      status.set('parkingBrakeStatus', this.parkingBrakeStatus);
      status.set('parkingBrakeForce', this.parkingBrakeForce);
      status.set('slopeAngle', this.slopeAngle);
    } else if (is('brakePedal')) {
      status.set('brakePedalStatus', this.brakePedalStatus);
      status.set('brakePedalForce', this.brakePedalForce);
    } else if (is('engine')) status.set('engineState', this.engine_state);
    else status.set('error', 'Invalid option');
    return status;
  }

  activateParkingBrake(mode: PyValue): PyValue {
    if (!['engage', 'release'].some((m) => pyEq(m, mode))) return PyDict.of({ error: 'Invalid mode' });
    const engage = pyEq(mode, 'engage');
    this.parkingBrakeStatus = engage ? 'engaged' : 'released';
    this.parkingBrakeForce = engage ? 500.0 : 0.0;
    this.slopeAngle = 10.0; // also on release, as in the original
    const result = new PyDict();
    if (this.long_context) result.set('parkingBrakeInstruction', PARKING_BRAKE_INSTRUCTION);
    result.set('parkingBrakeStatus', this.parkingBrakeStatus);
    result.set('_parkingBrakeForce', this.parkingBrakeForce);
    result.set('_slopeAngle', 10.0);
    return result;
  }

  pressBrakePedal(pedalPosition: PyValue): PyValue {
    if (!(pyCompare('<=', 0n, pedalPosition) && pyCompare('<=', pedalPosition, 1n))) {
      return PyDict.of({ error: 'Pedal position must be between 0 and 1.' });
    }
    if (pyEq(pedalPosition, 0n)) {
      this.brakePedalStatus = 'released';
      this.brakePedalForce = 0.0;
      return PyDict.of({ brakePedalStatus: 'released', brakePedalForce: 0.0 });
    }
    const force = pyMul(pedalPosition, 1000n); // max brake force 1000 N
    this.brakePedalStatus = 'pressed';
    this.brakePedalForce = force;
    return PyDict.of({ brakePedalStatus: 'pressed', brakePedalForce: pyFloat(force) });
  }

  releaseBrakePedal(): PyValue {
    this.brakePedalStatus = 'released';
    this.brakePedalForce = 0.0;
    return PyDict.of({ brakePedalStatus: 'released', brakePedalForce: 0.0 });
  }

  setCruiseControl(speed: PyValue, activate: PyValue, distanceToNextVehicle: PyValue): PyValue {
    const distance = pyFloat(distanceToNextVehicle);
    const speedValue = pyFloat(speed);
    if (pyEq(this.engine_state, 'stopped')) {
      return PyDict.of({ error: 'Start the engine before activating the cruise control.' });
    }
    // The distance is stored before the speed is validated.
    this.distanceToNextVehicle = distance;
    if (pyTruthy(activate)) {
      if (speedValue < 0 || speedValue > 120 || !pyEq(pyMod(speedValue, 5n), 0n)) return PyDict.of({ error: 'Invalid speed' });
      this.cruiseStatus = 'active';
    } else {
      this.cruiseStatus = 'inactive';
    }
    return PyDict.of({ cruiseStatus: this.cruiseStatus, currentSpeed: speedValue, distanceToNextVehicle: distance });
  }

  get_current_speed(): PyValue {
    return PyDict.of({ currentSpeed: this.random.uniform(0.0, 120.0) });
  }

  display_log(messages: PyValue): PyValue {
    return PyDict.of({ log: messages });
  }

  estimate_drive_feasibility_by_mileage(distance: PyValue): PyValue {
    return PyDict.of({ canDrive: !pyCompare('<', pyMul(this.fuelLevel, MILE_PER_GALLON), distance) });
  }

  liter_to_gallon(liter: PyValue): PyValue {
    return PyDict.of({ gallon: pyMul(liter, 0.264172) });
  }

  gallon_to_liter(gallon: PyValue): PyValue {
    return PyDict.of({ liter: pyMul(gallon, 3.78541) });
  }

  estimate_distance(cityA: PyValue, cityB: PyValue): PyValue {
    const known = DISTANCES.find(
      ([a, b]) => (pyEq(cityA, a) && pyEq(cityB, b)) || (pyEq(cityA, b) && pyEq(cityB, a)),
    );
    const result = known ? PyDict.of({ distance: known[2] }) : PyDict.of({ error: 'distance not found in database.' });
    if (this.long_context) result.set('intermediaryCities', INTERMEDIARY_CITIES);
    return result;
  }

  get_zipcode_based_on_city(city: PyValue): PyValue {
    const known = ZIPCODES.find(([name]) => pyEq(city, name));
    return PyDict.of({ zipcode: known ? known[1] : '00000' });
  }

  set_navigation(destination: PyValue): PyValue {
    this.destination = destination;
    return PyDict.of({ status: pyAdd('Navigating to ', destination) });
  }

  check_tire_pressure(): PyValue {
    // The healthy standard: the mean pressure within [30, 35] psi.
    const total = [this.frontRightTirePressure, this.rearLeftTirePressure, this.rearRightTirePressure].reduce<PyValue>(
      (acc, p) => pyAdd(acc, p),
      this.frontLeftTirePressure,
    );
    const mean = pyTrueDiv(total, 4n);
    const healthy = pyCompare('<=', 30n, mean) && pyCompare('<=', mean, 35n);
    return PyDict.of({
      frontLeftTirePressure: this.frontLeftTirePressure,
      frontRightTirePressure: this.frontRightTirePressure,
      rearLeftTirePressure: this.rearLeftTirePressure,
      rearRightTirePressure: this.rearRightTirePressure,
      healthy_tire_pressure: healthy,
      car_info: this.long_context ? CAR_STATUS_METADATA_EXTENSION : new PyDict(),
    });
  }

  find_nearest_tire_shop(): PyValue {
    return PyDict.of({ shopLocation: '456 Oakwood Avenue, Rivermist, 83214' });
  }
}

export const VehicleControlApiClass = defineApiClass({
  className: 'VehicleControlAPI',
  create: (context) => new VehicleControlAPI(processStateOf(context)),
  prototype: VehicleControlAPI.prototype,
  methods: {
    activateParkingBrake: sig('mode'),
    adjustClimateControl: sig('temperature', ['unit', 'celsius'], ['fanSpeed', 50n], ['mode', 'auto']),
    check_tire_pressure: sig(),
    displayCarStatus: sig('option'),
    display_log: sig('messages'),
    estimate_distance: sig('cityA', 'cityB'),
    estimate_drive_feasibility_by_mileage: sig('distance'),
    fillFuelTank: sig('fuelAmount'),
    find_nearest_tire_shop: sig(),
    gallon_to_liter: sig('gallon'),
    get_current_speed: sig(),
    get_outside_temperature_from_google: sig(),
    get_outside_temperature_from_weather_com: sig(),
    get_zipcode_based_on_city: sig('city'),
    liter_to_gallon: sig('liter'),
    lockDoors: sig('unlock', 'door'),
    pressBrakePedal: sig('pedalPosition'),
    releaseBrakePedal: sig(),
    setCruiseControl: sig('speed', 'activate', 'distanceToNextVehicle'),
    setHeadlights: sig('mode'),
    set_navigation: sig('destination'),
    startEngine: sig('ignitionMode'),
  },
});
