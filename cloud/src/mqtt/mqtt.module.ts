import { Global, Module } from '@nestjs/common';
import { CloudMqtt } from './cloud-mqtt';

@Global()
@Module({ providers: [CloudMqtt], exports: [CloudMqtt] })
export class MqttModule {}
