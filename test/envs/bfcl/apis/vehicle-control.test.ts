import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GOLDEN_DATE, fixedClock } from '../../../../src/envs/bfcl/apis/contract.js';
import { VehicleControlApiClass } from '../../../../src/envs/bfcl/apis/vehicle-control.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, jsonDumps } from '../../../../src/envs/bfcl/python/value.js';
import { GOLDEN_MISSING, goldenAvailable } from '../golden-support.js';
import { replayAll } from './golden-replay.js';

function session(config: string, longContext = false): ApiSession {
  return new ApiSession({
    involvedClasses: ['VehicleControlAPI'],
    initialConfig: PyDict.of({ VehicleControlAPI: jsonLoads(config) }),
    longContext,
    context: { clock: fixedClock(GOLDEN_DATE) },
    registry: new Map([['VehicleControlAPI', VehicleControlApiClass]]),
  });
}

// Expected strings printed by the original vehicle_control.py (CPython 3.11.7) through the original executor for
// the same calls. The scenario's fuel level is the int 10, so it stays an int until a float is added.
test('VehicleControlAPI: engine start rules, int/float arithmetic, seeded draws and Python error texts', () => {
  const s = session(
    '{"fuelLevel": 10, "doorStatus": {"driver": "locked", "passenger": "unlocked", "rear_left": "locked", "rear_right": "locked"}, "remainingUnlockedDoors": 3}',
  );
  const cases: Array<[string, string]> = [
    ['startEngine(ignitionMode="START")', '{"error": "All doors must be locked before starting the engine. Here are the unlocked doors: passenger"}'],
    ['lockDoors(unlock=False, door=["passenger"])', '{"lockStatus": "locked", "remainingUnlockedDoors": 0}'],
    ['startEngine(ignitionMode="START")', '{"error": "Brake pedal needs to be pressed when starting the engine."}'],
    // An int position gives the int force 1000, which equals 1000.0 for the start check.
    ['pressBrakePedal(pedalPosition=1)', '{"brakePedalStatus": "pressed", "brakePedalForce": 1000.0}'],
    ['startEngine(ignitionMode="START")', '{"engineState": "running", "fuelLevel": 10, "batteryVoltage": 12.6}'],
    ['pressBrakePedal(pedalPosition=0.5)', '{"brakePedalStatus": "pressed", "brakePedalForce": 500.0}'],
    ['startEngine(ignitionMode="START")', '{"error": "Must press the brake fully before starting the engine."}'],
    ['pressBrakePedal(pedalPosition=1.0)', '{"brakePedalStatus": "pressed", "brakePedalForce": 1000.0}'],
    ['startEngine(ignitionMode="START")', '{"engineState": "running", "fuelLevel": 10, "batteryVoltage": 12.6}'],
    ['lockDoors(unlock=True, door=["trunk"])', "Error during execution: 'trunk'"],
    // A str is iterated character by character.
    ['lockDoors(unlock=True, door="driver")', "Error during execution: 'd'"],
    ['fillFuelTank(fuelAmount=15)', '{"fuelLevel": 25}'],
    ['fillFuelTank(fuelAmount=40.5)', '{"error": "Cannot fill gas above the tank capacity."}'],
    ['fillFuelTank(fuelAmount=-1)', '{"error": "Fuel amount cannot be negative."}'],
    ['adjustClimateControl(temperature=68, unit="fahrenheit")', '{"currentACTemperature": 68, "climateMode": "auto", "humidityLevel": 50.0}'],
    ['adjustClimateControl(temperature=20, fanSpeed=101)', '{"error": "Fan speed must be between 0 and 100."}'],
    ['setCruiseControl(speed=65, activate=True, distanceToNextVehicle=100)', '{"cruiseStatus": "active", "currentSpeed": 65.0, "distanceToNextVehicle": 100.0}'],
    ['setCruiseControl(speed="62", activate=True, distanceToNextVehicle="80.5")', '{"error": "Invalid speed"}'],
    ['setCruiseControl(speed="fast", activate=True, distanceToNextVehicle=80)', "Error during execution: could not convert string to float: 'fast'"],
    ['get_outside_temperature_from_google()', '{"outsideTemperature": 36.63485703790535}'],
    ['get_current_speed()', '{"currentSpeed": 99.11925428879405}'],
    ['get_outside_temperature_from_weather_com()', '{"error": 404}'],
    ['estimate_distance(cityA="94016", cityB="83214")', '{"distance": 980.0}'],
    ['estimate_distance(cityA=94016, cityB="83214")', '{"error": "distance not found in database."}'],
    ['estimate_drive_feasibility_by_mileage(distance=500)', '{"canDrive": true}'],
    ['liter_to_gallon(liter=10)', '{"gallon": 2.6417200000000003}'],
    ['gallon_to_liter(gallon="2")', "Error during execution: can't multiply sequence by non-int of type 'float'"],
    ['set_navigation(destination=42)', 'Error during execution: can only concatenate str (not "int") to str'],
    ['displayCarStatus(option="climate")', '{"currentACTemperature": 20.0, "fanSpeed": 50, "climateMode": "auto", "humidityLevel": 50.0}'],
    ['displayCarStatus(option="brakePedal")', '{"brakePedalStatus": "pressed", "brakePedalForce": 1000.0}'],
    ['activateParkingBrake(mode="release")', '{"parkingBrakeStatus": "released", "_parkingBrakeForce": 0.0, "_slopeAngle": 10.0}'],
    [
      'check_tire_pressure()',
      '{"frontLeftTirePressure": 32.0, "frontRightTirePressure": 32.0, "rearLeftTirePressure": 30.0, "rearRightTirePressure": 30.0, "healthy_tire_pressure": true, "car_info": {}}',
    ],
    ['setHeadlights(mode="auto")', '{"headlightStatus": "off"}'],
  ];
  for (const [call, expected] of cases) assert.equal(s.execute(call), expected, call);
  // The failed set_navigation still stored its destination; the brake force is private and not in the state.
  assert.equal(
    jsonDumps(PyDict.of(s.instances.get('VehicleControlAPI')!.publicState())),
    '{"fuelLevel": 25, "batteryVoltage": 12.6, "engine_state": "running", "remainingUnlockedDoors": 0, "doorStatus": {"driver": "locked", "passenger": "locked", "rear_left": "locked", "rear_right": "locked"}, "acTemperature": 20.0, "fanSpeed": 50, "acMode": "auto", "humidityLevel": 50.0, "headLightStatus": "off", "parkingBrakeStatus": "released", "brakePedalStatus": "pressed", "distanceToNextVehicle": 80.5, "cruiseStatus": "active", "destination": 42, "frontLeftTirePressure": 32.0, "frontRightTirePressure": 32.0, "rearLeftTirePressure": 30.0, "rearRightTirePressure": 30.0, "long_context": false}',
  );
});

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

// (length, sha256 prefix) of the original's long-context results for the same calls on the default state.
test('VehicleControlAPI: long-context weather, parking-brake instruction, intermediary cities and car metadata', () => {
  const s = session('{}', true);
  const cases: Array<[string, number, string]> = [
    ['get_outside_temperature_from_google()', 2216, '05b6802216152c9f'],
    ['get_outside_temperature_from_google()', 2216, '6ae01c9fee349ee8'],
    ['activateParkingBrake(mode="engage")', 9839, 'd6f6a912d179eba9'],
    ['estimate_distance(cityA="83214", cityB="74532")', 12690, '1edee7662a64a048'],
    ['check_tire_pressure()', 6674, '4f4a78f6743d7e6e'],
    ['displayCarStatus(option="fuel")', 6537, '17496af8351fa287'],
  ];
  for (const [call, length, hash] of cases) {
    const result = s.execute(call);
    assert.deepEqual([result.length, sha256Prefix(result)], [length, hash], `${call}: ${result.slice(0, 200)}`);
  }
});

test('VehicleControlAPI: every golden ground-truth result and state of the four categories', (t) => {
  if (!goldenAvailable()) {
    t.skip(GOLDEN_MISSING);
    return;
  }
  const report = replayAll(VehicleControlApiClass);
  assert.deepEqual(report.mismatches.slice(0, 5), [], `${report.mismatches.length} mismatches`);
  assert.deepEqual([report.entries, report.turns, report.calls], [200, 784, 1256]);
});
