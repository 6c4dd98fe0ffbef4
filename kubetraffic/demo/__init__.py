"""The bundled demo cluster "shop": its objects, live changes, traffic figures and packets.

``scenario.build(seed, now)`` makes the cluster as API dictionaries (``infra``, ``apps``,
``workloads``, ``cluster``); ``timeline`` changes it live; ``traffic`` answers metrics
targets and ``packets`` (with ``wire``, scapy) writes what a capture would show. Everything
is a pure function of a seed and a clock (``clock``). ``kubetraffic.adapters.demo`` serves
it through the same interfaces as a real cluster, Prometheus and packet capture.
"""
