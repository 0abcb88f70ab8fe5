"""PyTorch eager: ``nn.Sequential``, ``CrossEntropyLoss``, ``optim.SGD`` with momentum.

Minibatches are index slices of one ``torch.randperm`` per epoch (no DataLoader). The
weights start from the same Glorot-uniform scheme as mlp and scikit-learn. Setting the
environment variable ``MLP_BENCH_NO_TORCH=1`` skips it as if it were not installed.
"""

import os

import numpy

from benchmarks.timing import Run, timed

NAME = "PyTorch eager"
THREADS = 2


def available():
    if os.environ.get("MLP_BENCH_NO_TORCH", "") not in ("", "0"):
        return False, "PyTorch skipped (MLP_BENCH_NO_TORCH is set)"
    try:
        import torch  # noqa: F401
    except ImportError as error:
        return False, f"PyTorch not installed (`import torch` failed: {error})"
    return True, ""


def _build(task, seed):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    generator = numpy.random.default_rng(seed)
    dtype = getattr(torch, task.dtype)
    activation = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[task.activation]
    modules = []
    sizes = task.architecture
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        # mlp's and scikit-learn's Glorot uniform: factor 2 for logistic units, else 6.
        factor = 2.0 if task.activation == "sigmoid" else 6.0
        limit = numpy.sqrt(factor / (n_in + n_out))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(generator.uniform(-limit, limit, (n_out, n_in))))
            linear.bias.copy_(torch.from_numpy(generator.uniform(-limit, limit, n_out)))
        modules.append(linear)
        if index < len(sizes) - 2:
            modules.append(activation())
    model = nn.Sequential(*modules).to(dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=task.learning_rate, momentum=task.momentum)
    return model, optimizer


def _train(task, model, optimizer, X_train, y_train):
    import torch

    inputs = torch.from_numpy(X_train)
    labels = torch.from_numpy(y_train)
    loss_function = torch.nn.CrossEntropyLoss()
    n_samples = inputs.shape[0]
    batch_size = task.batch_size or n_samples
    for _ in range(task.epochs):
        if batch_size >= n_samples:
            batches = [(inputs, labels)]
        else:
            order = torch.randperm(n_samples) if task.shuffle else torch.arange(n_samples)
            batches = ((inputs[rows], labels[rows])
                       for rows in torch.split(order, batch_size))
        for batch_inputs, batch_labels in batches:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(batch_inputs), batch_labels)
            loss.backward()
            optimizer.step()
    return task.epochs


def run(task, data, seed):
    import torch

    torch.set_num_threads(THREADS)
    build_seconds, (model, optimizer) = timed(_build, task, seed)
    train_seconds, epochs = timed(_train, task, model, optimizer, data.X_train, data.y_train)
    with torch.no_grad():
        predicted = model(torch.from_numpy(data.X_test)).argmax(dim=1).numpy()
    accuracy = float(numpy.mean(predicted == data.y_test))
    return Run(build_seconds, train_seconds, accuracy, epochs)
